#!/usr/bin/env bash
# Packs the C++ libraries anvil builds against, for a GPU machine that has
# LibTorch, CUDA, cmake, ninja and g++ but no Debian -dev packages and no
# internet. Run it here (Debian 12, apt works); it downloads the .deb files and
# unpacks them into .gpu/root (git ignores .gpu/). Carry `.gpu` to the GPU
# machine and build there with tools/gpu/build.sh.
#
# It also copies Tiny Shakespeare (1 MB) into .gpu/data for run_bench.sh's
# shakespeare step, from ANVIL_DATA (default: ../shared/data beside the repo).
#
# Safe to run again: downloaded .debs are kept in .gpu/debs, the tree is
# unpacked afresh each time.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
gpu=$root/.gpu
packages=(
  libyaml-cpp-dev libyaml-cpp0.7        # config parsing
  libsentencepiece-dev libsentencepiece0 # tokenizer; protobuf-lite is built in, needs only libstdc++
  nlohmann-json3-dev                      # header only
  libgtest-dev                            # static libgtest.a; the googletest source package is not needed
  libgloo-dev                             # headers only (c10d's ProcessGroupGloo.hpp includes them)
  pkgconf-bin libpkgconf3                 # a pkg-config for CMake, in case the image has none
)

mkdir -p "$gpu/debs"
cd "$gpu/debs"
missing=()
for p in "${packages[@]}"; do
  compgen -G "${p}_*.deb" >/dev/null || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[pack_deps] downloading ${missing[*]}"
  # As root, apt's sandbox user (_apt) cannot write here; download as root.
  apt-get -o APT::Sandbox::User=root download "${missing[@]}" || {
    echo "[pack_deps] apt-get download failed: try 'apt-get update' first" >&2
    exit 1
  }
fi

rm -rf "$gpu/root"
for deb in *.deb; do
  dpkg -x "$deb" "$gpu/root"
done
rm -rf "$gpu/root/usr/share/doc" "$gpu/root/usr/share/man" "$gpu/root/usr/share/lintian"

# The .pc files say prefix=/usr. Make them relative to where they lie, so
# pkg-config finds the carried headers and libraries wherever the repo is.
find "$gpu/root" -name '*.pc' -print0 | while IFS= read -r -d '' pc; do
  up=$(realpath --relative-to="$(dirname "$pc")" "$gpu/root/usr")
  sed -i "s|^prefix=/usr\$|prefix=\${pcfiledir}/$up|" "$pc"
done

echo "[pack_deps] $(du -sh "$gpu/root" | cut -f1) unpacked in $gpu/root ($(du -sh "$gpu/debs" | cut -f1) of .debs)"

data=${ANVIL_DATA:-$root/../shared/data}
mkdir -p "$gpu/data"
if [ -f "$data/tinyshakespeare.txt" ]; then
  cp "$data/tinyshakespeare.txt" "$gpu/data/"
else
  echo "[pack_deps] no $data/tinyshakespeare.txt: run_bench.sh's shakespeare step will have no data" >&2
fi
