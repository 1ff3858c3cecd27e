import sqlite3
import threading

conn = sqlite3.connect(":memory:")          # check_same_thread=True by default
conn.execute("CREATE TABLE t (n INTEGER)")
errors = []


def use_from_other_thread(connection):
    try:
        connection.execute("INSERT INTO t VALUES (1)")
    except sqlite3.ProgrammingError as exc:
        errors.append(type(exc).__name__)


t = threading.Thread(target=use_from_other_thread, args=(conn,))
t.start()
t.join()
print("default connection used from another thread:", errors)

# check_same_thread=False lifts the check; serialising writes is then our job.
shared = sqlite3.connect(":memory:", check_same_thread=False)
shared.execute("CREATE TABLE t (n INTEGER)")
lock = threading.Lock()


def insert_many(k):
    for i in range(100):
        with lock:
            shared.execute("INSERT INTO t VALUES (?)", (k * 100 + i,))


threads = [threading.Thread(target=insert_many, args=(k,)) for k in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("rows after 4 threads x 100 locked inserts:",
      shared.execute("SELECT COUNT(*) FROM t").fetchone()[0])
print("sqlite3.threadsafety is one of 0, 1, 3:", sqlite3.threadsafety in (0, 1, 3))
conn.close()
shared.close()
