import threading
import time

daemon_running = threading.Event()
main_done = threading.Event()


def heartbeat():
    try:
        daemon_running.set()
        while True:  # never returns: only a daemon thread may do this
            time.sleep(0.05)
    finally:
        # Never printed: at exit a daemon thread is stopped where it is,
        # and its finally block does not run.
        print("daemon thread: finally ran")


def flush_log():
    try:
        main_done.wait()
        print("non-daemon thread: finished its work after the main thread")
    finally:
        print("non-daemon thread: finally ran")


daemon = threading.Thread(target=heartbeat, daemon=True)
worker = threading.Thread(target=flush_log)  # daemon=False is the default
daemon.start()
worker.start()
daemon_running.wait()  # the daemon thread is inside its try block

print("daemon thread is alive:", daemon.is_alive())
print("main thread: reached the end of the script")
main_done.set()
# At exit the interpreter joins every non-daemon thread, then stops the
# daemon threads wherever they are, without running their cleanup.
