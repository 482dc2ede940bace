#!/bin/sh
# flotilla post-receive hook, written by `flotilla hook install` (installing again replaces it).
# It tells the flotilla server which refs this push updated. It never fails the push: the refs
# are updated before post-receive runs, so every problem is only a warning.
url='@URL@'
repo='@REPO@'
secret_file="$(dirname "$0")/flotilla-secret"

warn() {
    echo "flotilla: $* (the push succeeded, but the flotilla server was not told)" >&2
    exit 0
}

# Prints the bytes of the hex string $1, XORed with $3, padded with zeros to $2 bytes.
bytes() {
    rest=$1
    escapes=''
    i=0
    while [ "$i" -lt "$2" ]; do
        byte=0
        if [ -n "$rest" ]; then
            byte=$((0x$(printf '%.2s' "$rest")))
            rest=${rest#??}
        fi
        escapes="$escapes\\$(printf '%03o' $((byte ^ $3)))"
        i=$((i + 1))
    done
    printf "$escapes"
}

# HMAC-SHA256 of $1 (RFC 2104) with the secret. The secret stays in this shell (printf is a
# builtin): `openssl dgst -hmac SECRET` would show it to every local user in /proc/*/cmdline.
hmac_sha256() {
    key=$(printf '%s' "$secret" | od -An -v -tx1 | tr -d ' \n')
    if [ ${#key} -gt 128 ]; then
        key=$(printf '%s' "$secret" | openssl dgst -sha256 | sed 's/^.*= *//')
    fi
    inner=$({ bytes "$key" 64 54; printf '%s' "$1"; } | openssl dgst -sha256 | sed 's/^.*= *//')
    { bytes "$key" 64 92; bytes "$inner" 32 0; } | openssl dgst -sha256 | sed 's/^.*= *//'
}

command -v openssl >/dev/null 2>&1 || warn "openssl is not installed"
command -v curl >/dev/null 2>&1 || warn "curl is not installed"
[ -r "$secret_file" ] || warn "cannot read $secret_file; install the hook again"
secret=$(cat "$secret_file")

updates=''
while read -r before after ref; do
    case "$before$after" in
        '' | *[!0-9a-f]*) continue ;;
    esac
    # git forbids backslashes and control characters in ref names: a double quote is the only
    # character that JSON needs escaped.
    ref=$(printf '%s' "$ref" | sed 's/"/\\"/g')
    updates="$updates${updates:+,}{\"ref\":\"$ref\",\"before\":\"$before\",\"after\":\"$after\"}"
done
[ -n "$updates" ] || exit 0

# Unique per push, so that two pushes of the same update (a revert, then the same push again)
# are two deliveries, not a replay.
delivery="$(date +%s)-$$-$(openssl rand -hex 8)"
body="{\"repo\":\"$repo\",\"delivery\":\"$delivery\",\"updates\":[$updates]}"
signature=$(hmac_sha256 "$body")
printf '%s' "$body" | curl --silent --show-error --fail --max-time 5 \
    --header 'Content-Type: application/json' \
    --header "X-Flotilla-Signature-256: sha256=$signature" \
    --data-binary @- --output /dev/null "$url" || warn "delivery to $url failed"
