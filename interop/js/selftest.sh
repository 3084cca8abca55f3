#!/usr/bin/env bash
# Self-test: fresh Ed25519, P-256 and P-384 keys (did:key), sign a small VCDM
# 2.0 credential with sign.mjs under each RDFC and JCS suite, check verify.mjs
# accepts it and rejects a tampered copy. Contexts come only from
# node_modules. Exit 0 on success.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
./setup.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node contexts-from-npm.mjs > "$tmp/ctx.json"

passed=0 failed=0
check() { # expected-status description command...
  local want=$1 what=$2; shift 2
  local got=0
  "$@" > "$tmp/out" 2>&1 || got=$?
  if [[ $got == "$want" ]]; then
    echo "ok   $what"; passed=$((passed + 1))
  else
    echo "FAIL $what (exit $got, wanted $want)"; cat "$tmp/out"
    failed=$((failed + 1))
  fi
}

for pair in Ed25519:eddsa-rdfc-2022 P-256:ecdsa-rdfc-2019 \
            P-384:ecdsa-rdfc-2019 Ed25519:eddsa-jcs-2022 \
            P-256:ecdsa-jcs-2019 P-384:ecdsa-jcs-2019; do
  type=${pair%%:*} suite=${pair#*:}
  vm=$(node keygen.mjs --type "$type" --out "$tmp/$type.jwk")
  cat > "$tmp/$type-$suite-unsigned.json" <<JSON
{
  "@context": ["https://www.w3.org/ns/credentials/v2"],
  "type": ["VerifiableCredential"],
  "issuer": "${vm%%#*}",
  "validFrom": "2024-01-01T00:00:00Z",
  "credentialSubject": {"id": "did:example:subject", "name": "Self Test"}
}
JSON
  check 0 "$type sign ($suite)" node sign.mjs --contexts "$tmp/ctx.json" \
    --key "$tmp/$type.jwk" --vm "$vm" --suite "$suite" \
    --created 2024-01-02T00:00:00Z "$tmp/$type-$suite-unsigned.json"
  cp "$tmp/out" "$tmp/$type-$suite-signed.json"
  check 0 "$type verify ($suite)" node verify.mjs --contexts "$tmp/ctx.json" \
    --now 2024-06-01T00:00:00Z "$tmp/$type-$suite-signed.json"
  sed 's/"Self Test"/"Tampered"/' "$tmp/$type-$suite-signed.json" \
    > "$tmp/$type-$suite-tampered.json"
  check 1 "$type tampered copy rejected ($suite)" node verify.mjs \
    --contexts "$tmp/ctx.json" "$tmp/$type-$suite-tampered.json"
done
check 1 "credential before validFrom rejected" node verify.mjs \
  --contexts "$tmp/ctx.json" --now 2023-01-01T00:00:00Z "$tmp/P-256-ecdsa-rdfc-2019-signed.json"

echo "selftest: $passed passed, $failed failed"
[[ $failed == 0 ]]
