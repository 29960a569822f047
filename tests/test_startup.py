"""TensorFlow's start-up log: what a healthy machine prints is dropped, anything else reaches the learner."""
from workshop_utils import environment, startup

HEALTHY_CPU_MACHINE = """\
WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1795608946.479413    2928 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
I0000 00:00:1795608969.040133    3080 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use available CPU instructions in performance-critical operations.
To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.
E0000 00:00:1795608952.964696    2928 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)
""".splitlines()


def test_healthy_cpu_machine_prints_nothing_worth_showing():
    assert startup.classify(HEALTHY_CPU_MACHINE, gpu_present=False) == []


def test_cuinit_failure_is_a_problem_where_a_gpu_exists():
    assert startup.classify(HEALTHY_CPU_MACHINE, gpu_present=True) == [HEALTHY_CPU_MACHINE[-1]]


def test_unknown_lines_are_kept():
    line = "E0000 dso_loader.cc:77] Could not load dynamic library 'libcudnn.so.9'"
    assert startup.classify(["", line], gpu_present=True) == [line]


def test_warnings_in_plain_words(monkeypatch):
    monkeypatch.setattr(startup, "PROBLEMS", ["E0000 something broke"])
    monkeypatch.setattr(startup, "nvidia_gpu_present", lambda: True)
    monkeypatch.setattr(environment, "devices", lambda: ["CPU (2 cores)"])
    notes = startup.startup_warnings()
    assert notes[0].startswith("This machine has an NVIDIA GPU, but the ") and "nvidia-smi" in notes[0]
    assert "E0000 something broke" in notes[1]


def test_this_machine_started_cleanly():
    import workshop_utils  # noqa: F401  (the package starts the backend on import)

    assert startup.PROBLEMS == [] and startup.startup_warnings() == []
