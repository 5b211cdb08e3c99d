#pragma once
// anvil train --nproc N: N ranks of one training run on this machine, as
// torchrun --standalone --nproc_per_node N would start them.
#include <string>
#include <vector>

namespace anvil::cli {

// Runs `anvil train <train_args>` as ranks 0..nproc-1 with torchrun's
// variables set. This process hosts the rendezvous store, so the ranks can
// still name a lost rank 0, and forwards SIGINT and SIGTERM to them. When a
// rank fails, the others get a grace period to report it and stop, then are
// terminated. Returns 0 when every rank succeeded, else the first failure's
// exit status (128 + signal for a rank killed by a signal).
int run_local_ranks(int nproc, const std::vector<std::string>& train_args);

}  // namespace anvil::cli
