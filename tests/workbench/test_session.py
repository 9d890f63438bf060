"""The Session base: what listeners see when two threads publish at once."""

import threading

from workbench.session import Session, StateUpdate


class Counter(Session):
    """A session whose first state read can be held up, as a busy kernel thread may be."""

    def __init__(self):
        super().__init__()
        self.value = "running"
        self.reading = threading.Event()
        self.release = threading.Event()
        self.held = True

    def state(self):
        value = self.value
        if self.held:
            self.held = False
            self.reading.set()
            assert self.release.wait(5)
        return {"status": value}


def test_the_last_published_state_is_the_latest_when_two_threads_publish():
    session = Counter()
    seen = []
    session.subscribe(lambda update: isinstance(update, StateUpdate) and seen.append(update.values))
    kernel = threading.Thread(target=session.publish_state)
    kernel.start()
    assert session.reading.wait(5)  # the kernel thread has read "running" and is held up

    def finish():
        session.value = "finished"
        session.publish_state()

    trainer = threading.Thread(target=finish)
    trainer.start()
    trainer.join(0.2)  # it waits for the kernel thread's publication to end first
    session.release.set()
    kernel.join(5)
    trainer.join(5)
    assert seen[-1] == {"status": "finished"}
