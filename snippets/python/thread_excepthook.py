import threading
from concurrent.futures import ThreadPoolExecutor

failures = []


def record(args):
    # Called in the failing thread instead of printing a traceback to stderr.
    failures.append(f"{args.thread.name}: {args.exc_type.__name__}: {args.exc_value}")


threading.excepthook = record


def parse(text):
    return int(text)


t = threading.Thread(target=parse, args=("forty-two",), name="parser")
t.start()
t.join()  # join() returns normally: the exception does not travel
print("join() returned; the error went to threading.excepthook:")
print(" ", *failures)

# An executor keeps the exception in the Future and re-raises it in the
# thread that asks for the result.
with ThreadPoolExecutor(max_workers=1) as pool:
    future = pool.submit(parse, "forty-two")
    print("future.exception():", repr(future.exception(timeout=10)))
    try:
        future.result()
    except ValueError:
        print("future.result() re-raised ValueError in the main thread")
