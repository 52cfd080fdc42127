#!/bin/sh
# Installs gpuvplan's build and test dependencies when pkg-config cannot find them.
# Does nothing when they are present. Debian/Ubuntu only; elsewhere it says what is missing.
set -u
missing=""
if ! command -v pkg-config >/dev/null 2>&1; then
    missing="pkg-config libyaml-dev libcjson-dev libcmocka-dev"
else
    pkg-config --exists yaml-0.1 || missing="$missing libyaml-dev"
    pkg-config --exists libcjson || missing="$missing libcjson-dev"
    pkg-config --exists cmocka || missing="$missing libcmocka-dev"
fi
[ -z "$missing" ] && exit 0

echo "deps: missing:$missing" >&2
if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: no apt-get here; install the packages above (yaml-0.1, libcjson, cmocka) by hand" >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        echo "deps: not root and no sudo; install the packages above by hand" >&2
        exit 1
    fi
fi
echo "deps: installing with apt-get:$missing" >&2
$sudo apt-get update -qq >&2 || exit 1
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >&2 || exit 1
echo "deps: done" >&2
