#!/usr/bin/env bash
# gen-certs.sh — the private CA and the three nats-server certificates of
# configs/cluster-ha (TLS for clients and for the routes between servers).
#
#   configs/cluster-ha/gen-certs.sh OUTDIR [ADDR1 ADDR2 ADDR3]
#
# Writes into OUTDIR (created, mode 700): ca.pem + ca.key (the CA: ECDSA
# P-256, 10 years; keep ca.key offline once the certificates are made),
# nats-N.pem + nats-N.key for N = 1..3 (ECDSA P-256, 825 days, signed by the
# CA, serverAuth + clientAuth: a server presents it to clients and, on routes,
# to the other servers, which verify it against ca.pem). Each certificate
# names its server as DNS:nats-N and as IP:ADDRN (default 10.77.0.1N, the
# addresses of configs/cluster-ha/nats-N.conf). Keys are mode 600. Nothing
# here is committed: `make demo-ha` and tests/ha make fresh ones every run.
set -euo pipefail
[ $# -eq 1 ] || [ $# -eq 4 ] || { echo "usage: $0 OUTDIR [ADDR1 ADDR2 ADDR3]" >&2; exit 2; }
out=$1; shift
addrs=("${@:-}")
[ $# -eq 3 ] || addrs=(10.77.0.11 10.77.0.12 10.77.0.13)
mkdir -p "$out"; chmod 700 "$out"
umask 077
openssl ecparam -name prime256v1 -genkey -noout -out "$out/ca.key" 2>/dev/null
openssl req -x509 -new -key "$out/ca.key" -sha256 -days 3650 -subj "/CN=mpc-node private CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$out/ca.pem" 2>/dev/null
for n in 1 2 3; do
    ext="$out/nats-$n.ext"
    printf '%s\n' "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth,clientAuth" \
        "subjectAltName=DNS:nats-$n,IP:${addrs[$((n - 1))]}" >"$ext"
    openssl ecparam -name prime256v1 -genkey -noout -out "$out/nats-$n.key" 2>/dev/null
    openssl req -new -key "$out/nats-$n.key" -subj "/CN=nats-$n" -out "$out/nats-$n.csr" 2>/dev/null
    openssl x509 -req -in "$out/nats-$n.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" \
        -CAcreateserial -days 825 -sha256 -extfile "$ext" -out "$out/nats-$n.pem" 2>/dev/null
    rm -f "$out/nats-$n.csr" "$ext"
    openssl verify -CAfile "$out/ca.pem" "$out/nats-$n.pem" >/dev/null
done
rm -f "$out/ca.srl"
chmod 644 "$out"/*.pem
echo "CA and nats-1..3 certificates in $out (SANs: ${addrs[*]})"
