import threading
import time

main_done = threading.Event()


def heartbeat():
    while True:  # never returns: only a daemon thread may do this
        time.sleep(0.05)


def flush_log():
    main_done.wait()
    print("non-daemon thread: finished its work after the main thread")


daemon = threading.Thread(target=heartbeat, daemon=True)
worker = threading.Thread(target=flush_log)  # daemon=False is the default
daemon.start()
worker.start()

print("daemon thread is alive:", daemon.is_alive())
print("main thread: reached the end of the script")
main_done.set()
# At exit the interpreter joins every non-daemon thread, then stops the
# daemon threads wherever they are, without running their cleanup.
