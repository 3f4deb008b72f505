#!/usr/bin/env python3
"""A local RFC 3161 time-stamping authority for segur's tests, built on `openssl ts`.

Creates, in --dir, a throwaway CA and a TSA certificate (extendedKeyUsage critical
timeStamping), then answers HTTP POSTs of `application/timestamp-query` with
`openssl ts -reply`. Prints `SEGUR_TEST_TSA_URL=http://127.0.0.1:PORT` and
`SEGUR_TEST_TSA_CA=DIR/ca.pem` once ready (port 0 picks a free port).

Usage: python3 scripts/peers/tsa.py --dir DIR [--port 0]
"""
import argparse
import http.server
import os
import subprocess
import sys
import tempfile


def run(*args, cwd):
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def setup(d):
    if os.path.exists(os.path.join(d, "tsa.pem")):
        return
    with open(os.path.join(d, "tsa.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=critical,timeStamping\n")
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        "-subj", "/CN=segur test TSA root/O=segur tests", "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=segur test TSA/O=segur tests",
        "-keyout", "tsa.key", "-out", "tsa.csr", cwd=d)
    run("openssl", "x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "30", "-extfile", "tsa.ext", "-out", "tsa.pem", cwd=d)
    with open(os.path.join(d, "tsa.cnf"), "w") as f:
        f.write(f"""[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {d}
serial = $dir/tsaserial
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
""")
    with open(os.path.join(d, "tsaserial"), "w") as f:
        f.write("01\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    d = os.path.abspath(args.dir)
    os.makedirs(d, exist_ok=True)
    setup(d)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("content-length", "0"))
            if self.headers.get("content-type") != "application/timestamp-query" or not 0 < length < 65536:
                self.send_error(400, "timestamp query expected")
                return
            query = self.rfile.read(length)
            with tempfile.TemporaryDirectory() as tmp:
                q = os.path.join(tmp, "q.tsq")
                r = os.path.join(tmp, "r.tsr")
                with open(q, "wb") as f:
                    f.write(query)
                done = subprocess.run(["openssl", "ts", "-reply", "-config", os.path.join(d, "tsa.cnf"),
                                       "-queryfile", q, "-out", r], capture_output=True)
                if done.returncode != 0:
                    self.send_error(500, "openssl ts -reply failed")
                    return
                with open(r, "rb") as f:
                    reply = f.read()
            self.send_response(200)
            self.send_header("content-type", "application/timestamp-reply")
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"SEGUR_TEST_TSA_URL=http://127.0.0.1:{server.server_address[1]}", flush=True)
    print(f"SEGUR_TEST_TSA_CA={d}/ca.pem", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
