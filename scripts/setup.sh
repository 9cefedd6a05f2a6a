#!/usr/bin/env bash
# Installs what the lab and the tests need on a Debian machine (as root), then builds the engine:
# - netperf from Debian's non-free component, iproute2 and ethtool (the lab and its host facts),
#   OpenSSH client and server (the SSH transport's tests), xsltproc (the Xen domain XSLT's test);
#   nftables (the fault tests drop packets on a wire with it);
# - libvirt and QEMU, debootstrap, genisoimage and e2fsprogs for the real kvm and xen labs on this
#   machine (npm run lab:qemu: libvirtd, TCG guests, the guest image, cloud-init ISOs; npm run
#   lab:xen: the Xen host under QEMU, its dom0 image built with debootstrap; genisoimage also
#   ships isoinfo, with which the libvirt provider's Go test reads its ISO back), and libxml2-utils
#   (virt-xml-validate holds the libvirt provider's domain XML to libvirt's schema). The provider
#   tests fail under CI=true where one of these tools is missing;
# - chromium: a test opens the comparison's report.html in a real headless browser;
# - the project's node modules (npm ci);
# - the Pulumi engine (tools/engine/engine.ts, the choice in tools/engine/engine-choice.ts): the Pulumi CLI on
#   PATH where there is one, with the official command, libvirt and vSphere plugins installed into
#   the labs' PULUMI_HOME (`pulumi plugin install resource NAME VERSION`) where they can be
#   downloaded; what cannot be had that way (the CLI and language host without a CLI on PATH, a
#   plugin whose install failed) is built from the Go modules pinned under engine/, into a cache
#   outside the repository keyed by those pins ($HVNETLAB_CACHE, default ~/.cache/hvnetlab): the
#   first build takes minutes, later runs find it and build nothing. It prints what it chose.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
# netperf lives in Debian's non-free component (not non-free-firmware): enable it where it is not yet.
if [ -f /etc/apt/sources.list.d/debian.sources ] && ! grep -Eq '^Components:.*[[:space:]]non-free([[:space:]]|$)' /etc/apt/sources.list.d/debian.sources; then
    sed -i -E 's/^Components: main.*/& non-free/' /etc/apt/sources.list.d/debian.sources
fi
if [ -f /etc/apt/sources.list ] && grep -q '^deb .*debian.* main' /etc/apt/sources.list && ! grep -Eq '^deb .*[[:space:]]non-free([[:space:]]|$)' /etc/apt/sources.list; then
    sed -i -E '/^deb .*debian/ s/ main/ main non-free/' /etc/apt/sources.list
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends netperf iproute2 procps ethtool openssh-client openssh-server xsltproc nftables \
    libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils debootstrap genisoimage e2fsprogs libxml2-utils \
    chromium >/dev/null
echo "installed: $(netperf -V 2>&1 | head -1)"

npm ci --no-audit --no-fund

# Exits 2, saying what to install, where there is neither a Pulumi CLI on PATH nor Go to build one.
node_modules/.bin/ts-node --transpile-only tools/engine/engine.ts build
