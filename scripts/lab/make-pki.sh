#!/usr/bin/env bash
# Makes a throwaway PKI for the lab cloud with the openssl CLI only (tested with OpenSSL 3.0).
#
#   scripts/lab/make-pki.sh DIR
#
# DIR (created 0700; existing files are overwritten) receives, all EC P-256, keys 0600:
#   ca.pem ca.key                        lab CA (CA:TRUE)
#   server.pem server.key                CA-signed, SAN IP:127.0.0.1,IP:::1,DNS:localhost, EKU serverAuth
#   server-wronghost.pem/.key            CA-signed, SAN DNS:wrong.example only
#   server-dnsonly.pem/.key              CA-signed, SAN DNS:localhost only (no IP entry)
#   rogue-ca.pem rogue-ca.key            an unrelated CA
#   server-rogue.pem/.key                rogue-CA-signed, SAN IP:127.0.0.1,DNS:localhost
#   server-expired.pem/.key              CA-signed, SAN IP:127.0.0.1,DNS:localhost, expired yesterday
#   client.crt/.key        CN 07048933   CA-signed, EKU clientAuth
#   client2.crt/.key       CN 07048934   CA-signed
#   expiring.crt/.key      CN 07048935   CA-signed, notAfter = now + 10 days
#   expired.crt/.key       CN 07048936   CA-signed, notBefore = now - 30 days, notAfter = now - 1 day
#   rogue-client.crt/.key  CN 07048999   rogue-CA-signed
# Leaf certificates are issued with `openssl ca` (minimal config in DIR/.ca) because OpenSSL 3.0's
# `x509 -req` cannot set an arbitrary notBefore/notAfter (needed for the expired certificate).
set -euo pipefail

DIR="${1:?usage: make-pki.sh DIR}"
umask 077
mkdir -p "$DIR"
chmod 700 "$DIR"
DIR="$(cd "$DIR" && pwd)"
WORK="$DIR/.ca"
rm -rf "$WORK"
mkdir -p "$WORK"

q() { "$@" >/dev/null 2>"$WORK/last.err" || { cat "$WORK/last.err" >&2; exit 1; }; }

# ASN.1 GeneralizedTime for `openssl ca -startdate/-enddate`, relative to now (UTC).
gtime() { date -u -d "$1" +%Y%m%d%H%M%SZ; }

newkey() { q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$DIR/$1.key"; chmod 600 "$DIR/$1.key"; }

# make_ca NAME CN
make_ca() {
    newkey "$1"
    q openssl req -x509 -new -key "$DIR/$1.key" -out "$DIR/$1.pem" -days 3650 -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash"
    # Minimal `openssl ca` state for this CA.
    mkdir -p "$WORK/$1/new"
    : > "$WORK/$1/index.txt"
    echo "unique_subject = no" > "$WORK/$1/index.txt.attr"
    cat > "$WORK/$1/ca.cnf" <<CNF
[ ca ]
default_ca = lab
[ lab ]
database        = $WORK/$1/index.txt
new_certs_dir   = $WORK/$1/new
certificate     = $DIR/$1.pem
private_key     = $DIR/$1.key
rand_serial     = yes
default_md      = sha256
policy          = anything
copy_extensions = none
unique_subject  = no
[ anything ]
commonName = supplied
CNF
}

# issue CA_NAME OUT_CERT KEY_NAME CN EXTENSIONS [START END]   (START/END: `date -d` strings, relative to now)
issue() {
    local ca="$1" out="$2" key="$3" cn="$4" ext="$5" start="${6:-}" end="${7:-}"
    newkey "$key"
    q openssl req -new -key "$DIR/$key.key" -out "$WORK/$key.csr" -subj "/CN=$cn"
    printf '%b\n' "$ext" > "$WORK/$key.ext"
    # Default validity: from 1 hour ago (tolerates clock skew) for 825 days.
    local dates=(-startdate "$(gtime "${start:--1 hour}")" -enddate "$(gtime "${end:-+825 days}")")
    q openssl ca -batch -notext -config "$WORK/$ca/ca.cnf" -in "$WORK/$key.csr" -out "$DIR/$out" \
        -extfile "$WORK/$key.ext" "${dates[@]}"
}

SERVER_EXT='basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid'
CLIENT_EXT='basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nauthorityKeyIdentifier=keyid'

make_ca ca "edge-lab-ca"
make_ca rogue-ca "edge-lab-rogue-ca"

issue ca       server.pem           server           localhost     "$SERVER_EXT\nsubjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost"
issue ca       server-wronghost.pem server-wronghost wrong.example "$SERVER_EXT\nsubjectAltName=DNS:wrong.example"
issue ca       server-dnsonly.pem   server-dnsonly   localhost     "$SERVER_EXT\nsubjectAltName=DNS:localhost"
issue rogue-ca server-rogue.pem     server-rogue     localhost     "$SERVER_EXT\nsubjectAltName=IP:127.0.0.1,DNS:localhost"
issue ca       server-expired.pem   server-expired   localhost     "$SERVER_EXT\nsubjectAltName=IP:127.0.0.1,DNS:localhost" "-30 days" "-1 day"

issue ca       client.crt       client       07048933 "$CLIENT_EXT"
issue ca       client2.crt      client2      07048934 "$CLIENT_EXT"
issue ca       expiring.crt     expiring     07048935 "$CLIENT_EXT" "-1 hour" "+10 days"
issue ca       expired.crt      expired      07048936 "$CLIENT_EXT" "-30 days" "-1 day"
issue rogue-ca rogue-client.crt rogue-client 07048999 "$CLIENT_EXT"

chmod 644 "$DIR"/*.pem "$DIR"/*.crt
chmod 600 "$DIR"/*.key
echo "PKI written to $DIR" >&2
