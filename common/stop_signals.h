#pragma once
// A request to stop cleanly: SIGTERM (a scheduler's preemption, torchrun's
// shutdown), SIGUSR1 (SLURM's warning before the time limit) and a first
// Ctrl-C (SIGINT) only set a flag, which a run reads between its steps to
// finish the step, checkpoint and exit with kPreemptedExitStatus. A second
// Ctrl-C ends the process at once. System calls interrupted by these signals
// restart (SA_RESTART), so a collective or a write in flight is not broken.
namespace anvil::common {

// The exit status of a run that stopped on request with its state saved:
// EX_TEMPFAIL of sysexits.h, "try again later".
constexpr int kPreemptedExitStatus = 75;

void install_stop_signals();
bool stop_requested();
int stop_signal();  // the first signal that asked to stop; 0 when none did

}  // namespace anvil::common
