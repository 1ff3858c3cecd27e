import sys
import sysconfig

# 1 on a free-threaded build (python3.13t, python3.14t), else 0 or None.
free_threaded_build = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))

# sys._is_gil_enabled() exists from 3.13; older versions always have a GIL.
# A free-threaded build can still turn the GIL on at run time (PYTHON_GIL=1,
# -X gil=1, or importing an extension that does not declare support).
has_probe = hasattr(sys, "_is_gil_enabled")
gil_enabled = sys._is_gil_enabled() if has_probe else True

print("sys._is_gil_enabled exists exactly from 3.13:",
      has_probe == (sys.version_info >= (3, 13)))
print("a build without Py_GIL_DISABLED always runs with the GIL:",
      free_threaded_build or gil_enabled)
print("the 't' ABI flag matches Py_GIL_DISABLED:",
      ("t" in sys.abiflags) == free_threaded_build)
