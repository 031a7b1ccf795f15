#!/usr/bin/env bash
# Makes this machine able to build and run the generated project's image, or says why it cannot:
# installs podman, runc, debootstrap and iproute2 from Debian's packages where they are missing (as root,
# with apt-get), checks that podman runs here (scripts/image/podman: vfs, runc, cgroupfs), and
# builds the base image (base-image.sh). Its last word is in .image-cache/status, which the image
# tests read: `ready`, or `unavailable: <why>` (they are then skipped, naming that reason).
# Anything else that fails (a download, a build) fails this script.
#
#   scripts/image/setup.sh NODE_BIN NPM_VERSION
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${IMAGE_CACHE:-$here/../../.image-cache}"
mkdir -p "$cache"
status="$cache/status"

unavailable() {
  echo "unavailable: $*" >"$status"
  echo "==> image tests will be SKIPPED: $*" >&2
  exit 0
}

missing=()
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc)
command -v debootstrap >/dev/null || missing+=(debootstrap)
# `ip netns`: the tests' pod network (test/support/pod-network.ts)
command -v ip >/dev/null || missing+=(iproute2)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    unavailable "${missing[*]} not installed, and this is no Debian machine where we are root (apt-get install ${missing[*]})"
  fi
  echo "==> apt-get install ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! info="$("$here/podman" info 2>&1)"; then
  unavailable "podman cannot run here: $(tail -1 <<<"$info")"
fi

# exit 3: the base image built, but podman cannot run a container of it on this machine
rc=0
"$here/base-image.sh" "$@" || rc=$?
[ "$rc" = 3 ] && unavailable "podman cannot run a container here (see the runc error above)"
[ "$rc" = 0 ] || exit "$rc"
echo ready >"$status"
