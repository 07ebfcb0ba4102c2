#!/usr/bin/env bash
# The two libcurls Curlew supports, both Debian's GnuTLS flavour:
#   8.14.1 from bookworm-backports (WebSocket, HTTP/3): the default, installed system-wide;
#   7.88.1 from bookworm (the stock one): still supported, tested unpacked beside it.
#
#   scripts/libcurl.sh install          install 8.14.1 when the installed libcurl is older
#                                       (idempotent; CURLEW_LIBCURL=stock keeps the stock one)
#   scripts/libcurl.sh unpack DIR SUITE unpack SUITE's libcurl (bookworm or bookworm-backports)
#                                       under DIR with apt-get download and dpkg-deb -x, and
#                                       print the folder to pass to -I, -L and LD_LIBRARY_PATH
#   scripts/libcurl.sh other            the suite of the libcurl that is not installed
#
# Only the GnuTLS packages are named, each with its suite: `-t bookworm-backports` would also
# upgrade unrelated packages, and the Swift toolchain's OpenSSL-flavour libcurl4 is left alone.
set -euo pipefail
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
say() { printf '%s\n' "$*" >&2; }

BACKPORTS_PACKAGES=(libcurl4-gnutls-dev libcurl3-gnutls libnghttp3-dev libngtcp2-dev libngtcp2-crypto-gnutls-dev)
SOURCE_FILE=/etc/apt/sources.list.d/curlew-bookworm-backports.sources

installed_version() {
    dpkg-query -W -f='${Version}' libcurl4-gnutls-dev 2>/dev/null || true
}

# The URI and keyring of the machine's existing Debian source, for the backports suite.
debian_source() {
    local uri="" keyring=""
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        uri=$(awk '/^URIs:/ && !/security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
        keyring=$(awk '/^Signed-By:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
    elif [ -f /etc/apt/sources.list ]; then
        uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^(http|https|file):/) { print $i; exit } }' /etc/apt/sources.list)
    fi
    printf '%s %s\n' "${uri:-http://deb.debian.org/debian}" "${keyring:-/usr/share/keyrings/debian-archive-keyring.gpg}"
}

add_backports() {
    if grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then return; fi
    read -r uri keyring < <(debian_source)
    say "Adding the bookworm-backports suite ($uri)"
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' "$uri" "$keyring" \
        | $sudo tee "$SOURCE_FILE" >/dev/null
    $sudo apt-get update -q >&2
    ADDED_BACKPORTS=1
}

# Whether `dpkg --compare-versions` puts the installed libcurl at 8 or later.
has_libcurl8() {
    local version
    version=$(installed_version)
    [ -n "$version" ] && dpkg --compare-versions "$version" ge 8
}

install() {
    if [ "${CURLEW_LIBCURL:-}" = stock ]; then
        say "CURLEW_LIBCURL=stock: keeping libcurl $(installed_version)"
        return
    fi
    has_libcurl8 && return
    add_backports
    $sudo apt-get update -q >&2
    local names=()
    for package in "${BACKPORTS_PACKAGES[@]}"; do names+=("$package/bookworm-backports"); done
    say "Installing libcurl 8 from bookworm-backports: ${names[*]}"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${names[@]}" >&2
}

other() {
    if has_libcurl8; then echo bookworm; else echo bookworm-backports; fi
}

unpack() {
    local dir=$1 suite=$2
    local root="$dir/root" lib="$dir/root/usr/lib/x86_64-linux-gnu"
    if [ -e "$lib/libcurl.so" ] && [ -f "$dir/suite" ] && [ "$(cat "$dir/suite")" = "$suite" ]; then
        echo "$root"
        return
    fi
    [ "$suite" = bookworm-backports ] && add_backports
    rm -rf "$dir" && mkdir -p "$dir/debs"
    local packages=(libcurl4-gnutls-dev libcurl3-gnutls)
    [ "$suite" = bookworm-backports ] && packages+=(libnghttp3-9 libngtcp2-16 libngtcp2-crypto-gnutls8)
    local names=()
    for package in "${packages[@]}"; do names+=("$package/$suite"); done
    say "Unpacking libcurl from $suite under $dir: ${names[*]}"
    # apt-get download writes to the current folder; as root it warns that _apt cannot, harmlessly.
    (cd "$dir/debs" && apt-get download -q "${names[@]}" >&2)
    for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$root"; done
    # What `-lcurl` finds first: the unpacked GnuTLS libcurl.
    ln -sf libcurl-gnutls.so.4 "$lib/libcurl.so"
    echo "$suite" > "$dir/suite"
    echo "$root"
}

case "${1:-}" in
    install) install ;;
    other) other ;;
    unpack) unpack "$2" "$3" ;;
    *) say "usage: $0 install | other | unpack DIR SUITE"; exit 64 ;;
esac
