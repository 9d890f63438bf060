"""A stand-in for the parts of an IPython kernel the sidebar's comm target uses: the shell's
namespace and events, and the comm manager. Imports nothing of workbench, so a script can use
it before anything of workbench is imported."""


class Events:
    def __init__(self):
        self.callbacks = {}

    def register(self, event, callback):
        self.callbacks.setdefault(event, []).append(callback)

    def unregister(self, event, callback):
        self.callbacks[event].remove(callback)

    def trigger(self, event, *args):
        for callback in self.callbacks.get(event, []):
            callback(*args)


class Shell:
    kernel = object()

    def __init__(self):
        self.user_ns = {}
        self.events = Events()


class CommManager:
    def __init__(self):
        self.targets = {}

    def register_target(self, name, callback):
        self.targets[name] = callback
