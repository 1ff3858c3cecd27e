import io
import logging
import sys


class RecordingStream(io.StringIO):
    """A stream that remembers each separate write() call."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def write(self, s):
        self.calls.append(s)
        return super().write(s)


out = RecordingStream()
print("worker-1", "done", file=out)
print("print() made", len(out.calls), "write calls:", out.calls)

out = RecordingStream()
handler = logging.StreamHandler(out)
handler.setFormatter(logging.Formatter("%(threadName)s %(message)s"))
log = logging.getLogger("demo")
log.addHandler(handler)
log.propagate = False
log.warning("done")
print("logging made", len(out.calls), "write call:", out.calls)

out = RecordingStream()
out.write(" ".join(["worker-1", "done"]) + "\n")
print("one pre-built line:", len(out.calls), "write call")
