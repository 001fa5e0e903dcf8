#!/usr/bin/env python3
"""Produces half-block-vectors.json independently of the TypeScript code.

Encoding is written here from the format description (half-block.ts header, tx-dict.ts header),
hashes by Python's hashlib, keys and signatures by the openssl CLI (Ed25519, RFC 8032).
Run: python3 produce.py > half-block-vectors.json   (Python 3.8+, OpenSSL 3)
Ed25519 signatures are deterministic, so re-running yields the same file.
"""
import hashlib
import json
import os
import struct
import subprocess
import tempfile

PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
EMPTY = b"0" * 32
EMPTY_SIG = b"0" * 64
GENESIS_HASH = b"0" * 32
MIB = 1 << 20


def seed_of(name):
    return hashlib.sha256(("dolly-ledger-vector-" + name).encode()).digest()


def openssl(args, data=None):
    return subprocess.run(["openssl"] + args, input=data, capture_output=True, check=True).stdout


def key_files(seed, tmp):
    der = os.path.join(tmp, seed.hex() + ".der")
    with open(der, "wb") as f:
        f.write(PKCS8_PREFIX + seed)
    pem = os.path.join(tmp, seed.hex() + ".pem")
    openssl(["pkey", "-inform", "DER", "-in", der, "-out", pem])
    pub = openssl(["pkey", "-in", pem, "-pubout", "-outform", "DER"])
    return pem, pub[-32:]


def sign(pem, msg, tmp):
    path = os.path.join(tmp, "msg.bin")
    with open(path, "wb") as f:
        f.write(msg)
    return openssl(["pkeyutl", "-sign", "-inkey", pem, "-rawin", "-in", path])


def tx_dict(entries):
    out = bytes([len(entries)])
    for key in sorted(entries):
        value = entries[key]
        out += bytes([len(key)]) + key.encode("ascii")
        if isinstance(value, int):
            out += b"\x01" + struct.pack(">Q", value)
        else:
            out += b"\x02" + struct.pack(">H", len(value)) + value
    return out


def bandwidth(up, down, total_up, total_down):
    return tx_dict({"up": up, "down": down, "total_up": total_up, "total_down": total_down})


def pack(pk, seq, link_pk, link_seq, prev, sig, typ, tx, ts):
    t = typ.encode("ascii")
    return (pk + struct.pack(">I", seq) + link_pk + struct.pack(">I", link_seq) + prev + sig
            + struct.pack(">H", len(t)) + t + struct.pack(">H", len(tx)) + tx + struct.pack(">Q", ts))


def make(keys, tmp, creator, seq, link, link_seq, prev, typ, tx, ts, name, note):
    pem, pk = keys[creator]
    link_pk = EMPTY if link is None else keys[link][1]
    unsigned = pack(pk, seq, link_pk, link_seq, prev, EMPTY_SIG, typ, tx, ts)
    sig = sign(pem, unsigned, tmp)
    encoded = pack(pk, seq, link_pk, link_seq, prev, sig, typ, tx, ts)
    return {
        "name": name,
        "note": note,
        "creator": creator,
        "publicKey": pk.hex(),
        "sequenceNumber": seq,
        "linkPublicKey": link_pk.hex(),
        "linkSequenceNumber": link_seq,
        "previousHash": prev.hex(),
        "type": typ,
        "transaction": tx.hex(),
        "timestampMs": ts,
        "signingBytes": unsigned.hex(),
        "signature": sig.hex(),
        "encoded": encoded.hex(),
        "hash": hashlib.sha256(encoded).hexdigest(),
    }


def main():
    with tempfile.TemporaryDirectory() as tmp:
        keys = {n: key_files(seed_of(n), tmp) for n in ("alice", "bob")}
        bw = "tribler_bandwidth"
        a1 = make(keys, tmp, "alice", 1, "bob", 0, GENESIS_HASH, bw, bandwidth(0, 5 * MIB, 0, 5 * MIB),
                  1_700_000_000_000, "alice-genesis-proposal", "alice pays bob 5 MB: {up 0, down 5 MiB}")
        b1 = make(keys, tmp, "bob", 1, "alice", 1, GENESIS_HASH, bw, bandwidth(5 * MIB, 0, 5 * MIB, 0),
                  1_700_000_000_500, "bob-genesis-agreement", "bob's agreement mirrors it")
        a2 = make(keys, tmp, "alice", 2, "bob", 0, bytes.fromhex(a1["hash"]), bw, bandwidth(3 * MIB, MIB, 3 * MIB, 6 * MIB),
                  1_700_000_060_000, "alice-second-proposal", "alice gave 3 MiB, took 1 MiB; totals carry on")
        b2 = make(keys, tmp, "bob", 2, "alice", 2, bytes.fromhex(b1["hash"]), bw, bandwidth(MIB, 3 * MIB, 6 * MIB, 3 * MIB),
                  1_700_000_060_100, "bob-second-agreement", "mirror of alice's second proposal")
        fork = make(keys, tmp, "alice", 2, "bob", 0, bytes.fromhex(a1["hash"]), bw, bandwidth(0, MIB, 0, 6 * MIB),
                    1_700_000_060_001, "alice-forked-second", "a second, different block at alice's seq 2: double-sign fraud with alice-second-proposal")
        dcs = make(keys, tmp, "bob", 3, "alice", 2, bytes.fromhex(b2["hash"]), bw, bandwidth(MIB, 3 * MIB, 7 * MIB, 6 * MIB),
                   1_700_000_061_000, "bob-second-agreement-again", "bob agrees to alice's seq 2 again: double-countersign fraud with bob-second-agreement")
        open_prop = make(keys, tmp, "alice", 3, None, 0, bytes.fromhex(a2["hash"]), bw, bandwidth(0, 2 * MIB, 3 * MIB, 8 * MIB),
                         1_700_000_120_000, "alice-open-proposal", "proposal to ANY_COUNTERPARTY (EMPTY_PK)")
        self_signed = make(keys, tmp, "alice", 1, "alice", 0, GENESIS_HASH, bw, bandwidth(0, MIB, 0, MIB),
                           1_700_000_000_000, "self-signed", "link_pk = pk, validly signed")
        bad_genesis = make(keys, tmp, "alice", 1, "bob", 0, bytes.fromhex(a1["hash"]), bw, bandwidth(0, MIB, 0, MIB),
                           1_700_000_000_000, "genesis-with-previous", "seq 1 with a non-genesis previous hash")
        zero_tx = make(keys, tmp, "alice", 1, "bob", 0, GENESIS_HASH, bw, bandwidth(0, 0, 0, 0),
                       1_700_000_000_000, "zero-transaction", "up = down = 0")
        bad_totals = make(keys, tmp, "alice", 1, "bob", 0, GENESIS_HASH, bw, bandwidth(0, MIB, 0, 2 * MIB),
                          1_700_000_000_000, "genesis-totals-differ", "genesis totals must equal its deltas")
        bad_mirror = make(keys, tmp, "bob", 1, "alice", 1, GENESIS_HASH, bw, bandwidth(4 * MIB, 0, 4 * MIB, 0),
                          1_700_000_000_500, "agreement-not-mirrored", "agrees to alice-genesis-proposal with up 4 MiB instead of 5")
        enc = bytes.fromhex(a1["encoded"])
        flipped = bytearray(enc)
        flipped[104] ^= 0x01
        tampered = bytearray(enc)
        tampered[-1] ^= 0x01
        undecodable = [
            {"name": "empty", "bytes": "", "code": "LEDGER_BLOCK_TRUNCATED"},
            {"name": "truncated-fixed-part", "bytes": enc[:100].hex(), "code": "LEDGER_BLOCK_TRUNCATED"},
            {"name": "truncated-inside-transaction", "bytes": enc[:-20].hex(), "code": "LEDGER_BLOCK_TRUNCATED"},
            {"name": "trailing-byte", "bytes": (enc + b"\x00").hex(), "code": "LEDGER_BLOCK_MALFORMED"},
            {"name": "oversized", "bytes": (enc + b"\x00" * 5000).hex(), "code": "LEDGER_BLOCK_OVERSIZED"},
            {"name": "type-uppercase", "bytes": pack(keys["alice"][1], 1, keys["bob"][1], 0, GENESIS_HASH, EMPTY_SIG,
                                                     "Bandwidth", b"", 0).hex(), "code": "LEDGER_TYPE_INVALID"},
            {"name": "timestamp-beyond-2^53", "bytes": pack(keys["alice"][1], 1, keys["bob"][1], 0, GENESIS_HASH, EMPTY_SIG,
                                                            bw, b"", 2 ** 60).hex(), "code": "LEDGER_TIMESTAMP_INVALID"},
        ]
        invalid = [
            {"name": "signature-bit-flipped", "bytes": bytes(flipped).hex(), "code": "LEDGER_SIGNATURE_BAD"},
            {"name": "timestamp-tampered", "bytes": bytes(tampered).hex(), "code": "LEDGER_SIGNATURE_BAD"},
            {"name": "self-signed", "bytes": self_signed["encoded"], "code": "LEDGER_SELF_SIGNED"},
            {"name": "genesis-with-previous", "bytes": bad_genesis["encoded"], "code": "LEDGER_GENESIS_INVALID"},
            {"name": "zero-transaction", "bytes": zero_tx["encoded"], "code": "LEDGER_TX_ZERO"},
            {"name": "genesis-totals-differ", "bytes": bad_totals["encoded"], "code": "LEDGER_TX_TOTALS_BAD"},
        ]
        print(json.dumps({
            "format": "Dollynator TrustChain half-block v1 (see half-block.ts, tx-dict.ts)",
            "producedBy": "packages/plebnet/src/ledger/vectors/produce.py (Python hashlib + openssl " + openssl(["version"]).decode().split()[1] + ")",
            "seeds": {n: seed_of(n).hex() for n in keys},
            "publicKeys": {n: keys[n][1].hex() for n in keys},
            "txDict": {"entries": {"up": 0, "down": 5 * MIB, "total_up": 0, "total_down": 5 * MIB}, "encoded": bandwidth(0, 5 * MIB, 0, 5 * MIB).hex()},
            "valid": [a1, b1, a2, b2, open_prop],
            "doubleSign": [a2["name"], fork["name"]],
            "doubleCountersign": [b2["name"], dcs["name"]],
            "mirrorMismatch": [a1["name"], bad_mirror["name"]],
            "extra": [fork, dcs, bad_mirror],
            "undecodable": undecodable,
            "invalid": invalid,
        }, indent=2))


if __name__ == "__main__":
    main()
