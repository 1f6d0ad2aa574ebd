"""ramp-run and python -m ramp.distributed.run (one implementation: tools/run/launch.cpp), new_group and
Work's methods. Ranks run as subprocesses on 127.0.0.1 (free ports or --standalone), every launcher
under a deadline; new_group and Work are checked against torch 1.13's gloo doing the same calls in the
same processes (launch_script.py)."""
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time

import pytest

import ramp

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "launch_script.py")
# build/python/ramp/__init__.py -> build/: ramp-run and the C++ test worker sit there
BUILD = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(ramp.__file__))))
RAMP_RUN = os.path.join(BUILD, "ramp-run")
CPP_WORKER = os.path.join(BUILD, "ramp_launch_worker")

PY_ENTRY = [sys.executable, "-m", "ramp.distributed.run"]
ENTRIES = {"python -m": PY_ENTRY, "ramp-run": [RAMP_RUN]}


def entry(name):
    if name == "ramp-run" and not os.path.exists(RAMP_RUN):
        pytest.skip("no ramp-run beside the Python package (%s)" % RAMP_RUN)
    return ENTRIES[name]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_without_omp(**extra):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    env.pop("OMP_NUM_THREADS", None)
    env.update(extra)
    return env


def launch(cmd, timeout=90, env=None):
    start = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env or env_without_omp())
    return p, time.monotonic() - start


def json_lines(text):
    return sorted((json.loads(line) for line in text.splitlines() if line.startswith("{")), key=lambda d: d["rank"])


@pytest.mark.parametrize("how", ["python -m", "ramp-run"])
def test_python_script_two_ranks(how):
    port = free_port()
    p, _ = launch(entry(how) + ["--nproc_per_node", "2", "--master_addr", "127.0.0.1", "--master_port", str(port),
                                SCRIPT, "env"])
    assert p.returncode == 0, p.stderr
    infos = json_lines(p.stdout)
    assert len(infos) == 2, p.stdout
    for rank, info in enumerate(infos):
        assert info == dict(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2", LOCAL_WORLD_SIZE="2", GROUP_RANK="0",
                            GROUP_WORLD_SIZE="1", ROLE_RANK=str(rank), ROLE_NAME="default", MASTER_ADDR="127.0.0.1",
                            MASTER_PORT=str(port), OMP_NUM_THREADS="1", TORCHELASTIC_RESTART_COUNT="0", rank=rank,
                            world_size=2, sum=1.0, python=info["python"])
        if how == "python -m":  # .py runs under the launching interpreter
            assert info["python"] == sys.executable
    # torchrun's warning, as OMP_NUM_THREADS was unset
    assert "Setting OMP_NUM_THREADS environment variable for each process to be 1 in default" in p.stderr


@pytest.mark.parametrize("how", ["python -m", "ramp-run"])
def test_cpp_program_two_ranks_and_omp_kept(how):
    if not os.path.exists(CPP_WORKER):
        pytest.skip("no ramp_launch_worker (C++ tests not built)")
    p, _ = launch(entry(how) + ["--nproc-per-node=2", "--standalone", CPP_WORKER, "env"],
                  env=env_without_omp(OMP_NUM_THREADS="3"))
    assert p.returncode == 0, p.stderr
    infos = json_lines(p.stdout)
    assert [(i["rank"], i["RANK"], i["LOCAL_RANK"], i["sum"], i["OMP_NUM_THREADS"]) for i in infos] == \
        [(0, "0", "0", 1, "3"), (1, "1", "1", 1, "3")]
    assert "Setting OMP_NUM_THREADS" not in p.stderr


def test_two_nodes_on_one_machine():
    """--nnodes 2: two launchers (node ranks 0 and 1, 2 ranks each) meet at node 0's address."""
    port = free_port()
    common = PY_ENTRY + ["--nnodes", "2", "--nproc-per-node", "2", "--master-addr", "127.0.0.1",
                         "--master-port", str(port)]
    nodes = [subprocess.Popen(common + ["--node-rank", str(k), SCRIPT, "env"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env_without_omp()) for k in (1, 0)]
    outs = []
    try:
        for n in nodes:
            out, err = n.communicate(timeout=90)
            assert n.returncode == 0, err
            outs.append(out)
    finally:
        for n in nodes:
            n.kill()
    infos = json_lines("".join(outs))
    assert [(i["rank"], i["RANK"], i["LOCAL_RANK"], i["GROUP_RANK"], i["WORLD_SIZE"], i["sum"]) for i in infos] == \
        [(0, "0", "0", "0", "4", 6.0), (1, "1", "1", "0", "4", 6.0), (2, "2", "0", "1", "4", 6.0),
         (3, "3", "1", "1", "4", 6.0)]


def test_module_entry(tmp_path):
    (tmp_path / "mymod.py").write_text("import os\nos.write(1, b'module rank %s\\n' % os.environ['RANK'].encode())\n")
    env = env_without_omp(PYTHONPATH=os.pathsep.join([str(tmp_path)] + sys.path))
    p, _ = launch(PY_ENTRY + ["--nproc-per-node", "2", "--standalone", "-m", "mymod"], env=env)
    assert p.returncode == 0, p.stderr
    assert sorted(p.stdout.splitlines()) == ["module rank 0", "module rank 1"]


@pytest.mark.parametrize("how", ["python -m", "ramp-run"])
def test_failed_rank_stops_the_others(how):
    # rank 1 exits 3 at once; rank 0 would sleep 60 s
    p, seconds = launch(entry(how) + ["--nproc-per-node", "2", "--standalone", SCRIPT, "exit", "1", "3"], timeout=60)
    assert p.returncode == 1
    assert seconds < 10, seconds
    assert "rank 1 (local_rank: 1, pid: " in p.stderr and ") failed: exitcode: 3; stopped the other ranks" in p.stderr, \
        p.stderr


def test_killed_rank_named_with_its_signal(tmp_path):
    script = tmp_path / "die.py"
    script.write_text("import os, signal, time\nif os.environ['RANK'] == '0':\n    os.kill(os.getpid(), signal.SIGKILL)\n"
                      "time.sleep(60)\n")
    p, seconds = launch(PY_ENTRY + ["--nproc-per-node", "2", "--standalone", str(script)], timeout=60)
    assert p.returncode == 1 and seconds < 10
    assert "rank 0 (local_rank: 0, pid: " in p.stderr
    assert "failed: exitcode: -9 (Signal 9 (SIGKILL) received by PID " in p.stderr, p.stderr


def read_ready(proc, n, deadline):
    """The pids of the first n "ready RANK PID" lines, waiting at most until `deadline` (select on the
    pipe: a plain readline could block forever)."""
    fd, buf, pids = proc.stdout.fileno(), b"", []
    while len(pids) < n:
        left = deadline - time.monotonic()
        assert left > 0, "ranks never became ready"
        if not select.select([fd], [], [], left)[0]:
            continue
        chunk = os.read(fd, 4096)
        assert chunk, "the launcher closed its output before the ranks were ready"
        *lines, buf = (buf + chunk).split(b"\n")
        pids += [int(line.split()[2]) for line in lines if line.startswith(b"ready")]
    return pids


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("how", ["python -m", "ramp-run"])
def test_sigterm_is_forwarded(how):
    proc = subprocess.Popen(entry(how) + ["--nproc-per-node", "2", "--standalone", SCRIPT, "sleep"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_without_omp())
    try:
        pids = read_ready(proc, 2, time.monotonic() + 60)
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        assert time.monotonic() - start < 5
        assert proc.returncode == 128 + signal.SIGTERM
        assert "got SIGTERM; passed it to the ranks and stopped them" in proc.stderr.read()
        assert all(gone(pid) for pid in pids)  # the launcher reaped them
    finally:
        proc.kill()


def test_rank_ignoring_sigterm_is_killed_after_grace():
    proc = subprocess.Popen(PY_ENTRY + ["--nproc-per-node", "2", "--standalone", "--term-timeout", "1", SCRIPT,
                                        "sleep", "ignore"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env_without_omp())
    try:
        pids = read_ready(proc, 2, time.monotonic() + 60)
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)  # passed on, ignored by the ranks: SIGKILL after --term-timeout 1
        proc.wait(timeout=20)
        took = time.monotonic() - start
        assert 0.9 < took < 5, took
        assert proc.returncode == 128 + signal.SIGTERM
        assert all(gone(pid) for pid in pids)
    finally:
        proc.kill()


def test_usage_errors():
    p, _ = launch(PY_ENTRY + ["--nproc-per-node", "2"])
    assert p.returncode == 2 and "no program given" in p.stderr
    p, _ = launch(PY_ENTRY + ["--nnodes", "1:4", SCRIPT, "env"])
    assert p.returncode == 2 and "elastic ranges are not supported" in p.stderr
    p, _ = launch(PY_ENTRY + ["--nproc-per-node", "0", SCRIPT, "env"])
    assert p.returncode == 2 and "--nproc-per-node must be a positive integer, got '0'" in p.stderr


@pytest.mark.parametrize("scenario,nproc", [("new_group", 3), ("work", 2)])
def test_against_torch(scenario, nproc, tmp_path):
    pytest.importorskip("torch")
    p, _ = launch(PY_ENTRY + ["--nproc-per-node", str(nproc), "--standalone", SCRIPT, scenario, str(tmp_path)],
                  timeout=120)
    assert p.returncode == 0, p.stderr
    infos = json_lines(p.stdout)
    assert len(infos) == nproc, p.stdout + p.stderr
    for info in infos:
        assert info["ramp"] == info["torch"], (info["rank"], info["ramp"], info["torch"])
    if scenario == "work":
        text, completed, success, kind, same_text, same_future = infos[0]["failed"]
        assert "all_reduce failed on rank 0 (world size 2)" in text
        assert [completed, success, kind, same_text, same_future] == [True, False, "RuntimeError", True, True]
