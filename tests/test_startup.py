"""TensorFlow's start-up log: what a healthy machine prints is dropped, anything else reaches the learner.

Whether start-up is clean is asked of a fresh Python process: in this test session another test may have
imported Keras first, and then ``start_backend`` has nothing left to capture.
"""

import json
import os
import subprocess
import sys

from workshop_utils.course import environment, paths, startup

import keras
import nbformat
import pytest

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


def _fresh_process(code):
    """Run ``code`` in a new Python process with this environment's settings; return (stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # as a learner's shell has it
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=paths.PROJECT_ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


@pytest.fixture(scope="module")
def fresh_start():
    """What importing the course did in a fresh process: (report, its stderr); one process for the module."""
    out, err = _fresh_process(
        "import json, os, workshop_utils\n"
        "from workshop_utils.course import startup\n"
        "print(json.dumps({'started': startup._started, 'captured': startup.CAPTURED,\n"
        "                  'problems': startup.PROBLEMS, 'warnings': startup.startup_warnings(),\n"
        "                  'log_level': os.environ.get('TF_CPP_MIN_LOG_LEVEL')}))"
    )
    return json.loads(out.splitlines()[-1]), err


def test_this_machine_starts_cleanly_in_a_fresh_process(fresh_start):
    report, err = fresh_start
    assert report["started"] and report["problems"] == [] and report["warnings"] == [], report
    assert err == "", f"start-up wrote to standard error: {err[:500]}"
    if keras.backend.backend() == "tensorflow":  # TensorFlow always says something while it loads
        assert report["captured"], "nothing was captured: did start_backend run before TensorFlow loaded?"


def test_the_course_does_not_silence_tensorflow_for_the_session(fresh_start):
    # Level 2 or 3 would hide TensorFlow's warnings (or errors) for the whole session. JAX, which
    # TensorFlow imports when it is installed, sets a default of 1: that hides INFO lines only.
    level = fresh_start[0]["log_level"]
    assert level in (None, "0", "1"), f"TF_CPP_MIN_LOG_LEVEL={level} hides warnings"


def test_a_start_up_problem_goes_to_standard_error(monkeypatch, capsys):
    import workshop_utils

    monkeypatch.setattr(startup, "PROBLEMS", ["E0000 dso_loader.cc:77] Could not load dynamic library 'libcudnn.so.9'"])
    workshop_utils.setup("00_getting_started")
    said = capsys.readouterr()
    assert "libcudnn" in said.err and said.err.startswith("WARNING: ") and "libcudnn" not in said.out


# A notebook as a learner runs it: the course's setup, then code that makes TensorFlow and Keras warn.
WARNING_CELLS = [
    "import workshop_utils\ncfg = workshop_utils.setup('00_getting_started')",
    "import numpy as np\nimport tensorflow as tf\n"
    "cached = tf.data.Dataset.from_tensor_slices(np.arange(64.0)).cache().batch(8)\n"
    "for batch in cached.take(1):\n    pass",
    "import warnings\nimport keras\n"
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
    "model.compile(optimizer='sgd', loss='mse')\n"
    "data = tf.data.Dataset.from_tensor_slices((np.ones((8, 3)), np.ones(8))).batch(4)\n"
    "model.fit(data, epochs=1, shuffle=True, verbose=0);",
    "import os, time\n"
    "os.write(2, b'I0000 00:00:1.0 1 generator_dataset_op.cc:213] Memory patch applied: M_TRIM_THRESHOLD=128 kb\\n'\n"
    "            b'W0000 00:00:1.0 1 local_rendezvous.cc:412] Local rendezvous is aborting with status: '\n"
    "            b'CANCELLED: GetNextFromShard was cancelled\\n\\t [[{{node MultiDeviceIteratorGetNextFromShard}}]]\\n'\n"
    "            b'W0000 00:00:1.0 1 local_rendezvous.cc:412] Local rendezvous is aborting with status: '\n"
    "            b'CANCELLED: Operation was cancelled\\n'\n"
    "            b'W0000 00:00:1.0 1 local_rendezvous.cc:412] Local rendezvous is aborting with status: '\n"
    "            b'INTERNAL: a real failure\\n'\n"
    "            b'W0000 00:00:1.0 1 some_op.cc:1] a real warning\\n')\n"
    "time.sleep(0.5)",
]


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="the warnings shown come from tf.data")
def test_real_tensorflow_and_keras_warnings_reach_the_cell(tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in WARNING_CELLS])
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_CURRENT_TEST", "TF_CPP_MIN_LOG_LEVEL")}
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute(
        env=env
    )
    stderr = ["".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stderr") for cell in nb.cells]
    assert stderr[0] == "", f"setup wrote to standard error: {stderr[0][:500]}"
    assert "did not fully read the dataset being cached" in stderr[1], stderr[1][:500]  # TensorFlow's C++ log
    assert "`shuffle=True` was passed, but will be ignored" in stderr[2], stderr[2][:500]  # a Keras warning
    assert "a real warning" in stderr[3], stderr[3]  # HEALTHY_LATER only are dropped
    assert "INTERNAL: a real failure" in stderr[3], stderr[3]  # a rendezvous that is not cancelled is shown
    assert "Memory patch" not in stderr[3] and "CANCELLED" not in stderr[3], stderr[3]
    assert "MultiDeviceIteratorGetNextFromShard" not in stderr[3], stderr[3]
