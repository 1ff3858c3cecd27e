import os
import signal
import threading

handled = threading.Event()
ran_in = []


def on_usr1(signum, frame):
    ran_in.append(threading.current_thread() is threading.main_thread())
    handled.set()


def worker():
    try:
        signal.signal(signal.SIGUSR1, on_usr1)
    except ValueError:
        print("signal.signal() in a worker thread raises ValueError")
    os.kill(os.getpid(), signal.SIGUSR1)  # but any thread may send one


signal.signal(signal.SIGUSR1, on_usr1)  # fine: this is the main thread
t = threading.Thread(target=worker)
t.start()
t.join()
handled.wait(timeout=5)
print("handler ran in the main thread:", ran_in == [True])
