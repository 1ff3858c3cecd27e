import os
import subprocess
import sys
import sysconfig

print("this interpreter is a free-threaded build:",
      sysconfig.get_config_var("Py_GIL_DISABLED") == 1)


def start_with(value):
    """Start this Python with PYTHON_GIL=value and ask whether the GIL is on."""
    env = dict(os.environ, PYTHON_GIL=value)
    done = subprocess.run(
        [sys.executable, "-c", "import sys; print(sys._is_gil_enabled())"],
        env=env, capture_output=True, text=True, timeout=30)
    if done.returncode == 0:
        return "starts, sys._is_gil_enabled() = " + done.stdout.strip()
    fatal = [line for line in done.stderr.splitlines() if "Fatal" in line]
    return "refuses to start: " + fatal[0].split(": ", 2)[-1]


print("PYTHON_GIL=1:", start_with("1"))
print("PYTHON_GIL=0:", start_with("0"))
