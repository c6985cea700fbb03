#!/usr/bin/env python3
"""cdp_click.py - drives headless Chromium through the DevTools protocol
over --remote-debugging-pipe (JSON messages ended by NUL on the browser's
fds 3 and 4: no websocket library) and really clicks the operator page's
dead-letter buttons: the token typed into its input, then a left press and
release of the mouse at the centre of each button. Python standard library
only. Used by tests/scheduler/test_status_click.c.

  cdp_click.py CHROMIUM URL TOKEN RETRY_ID DISCARD_ID [SCREENSHOT.png]

Prints one JSON line {"retry": {...}, "discard": {...}, "after": {...}}
with what the page showed after each click and after both, exit 0; on any failure or timeout a message on
stderr and exit 1. Chromium is killed (its whole process group) on every
exit path, SIGTERM from `timeout` included."""
import base64
import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import time

WAIT_S = 10.0   # the longest any one step may take


class Fail(Exception):
    pass


class Cdp:
    """One browser connection; calls on a page go through its session."""

    def __init__(self, chromium, profile):
        to_b, self.w = os.pipe()   # we write, the browser reads fd 3
        self.r, from_b = os.pipe()  # the browser writes fd 4, we read
        # Move the browser's ends above 4 first: dup2 onto 3/4 must not
        # overwrite a pipe end that happens to sit there.
        hi_in = fcntl.fcntl(to_b, fcntl.F_DUPFD_CLOEXEC, 10)
        hi_out = fcntl.fcntl(from_b, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_b)
        os.close(from_b)

        def child_fds():   # dup2 clears close-on-exec on 3 and 4 only
            os.dup2(hi_in, 3)
            os.dup2(hi_out, 4)

        log = open("chromium-cdp.log", "ab")
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--user-data-dir=" + profile,
             "--remote-debugging-pipe", "--window-size=1200,1400", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, close_fds=False,
            preexec_fn=child_fds, start_new_session=True)
        log.close()
        os.close(hi_in)
        os.close(hi_out)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)   # the renderers too
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=WAIT_S)
        for fd in (self.r, self.w):
            try:
                os.close(fd)
            except OSError:
                pass

    def _read_one(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail("timed out waiting for the browser")
            ready, _, _ = select.select([self.r], [], [], left)
            if ready:
                chunk = os.read(self.r, 65536)
                if not chunk:
                    raise Fail("the browser closed the pipe (see chromium-cdp.log)")
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, page=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if page and self.session:
            msg["sessionId"] = self.session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + WAIT_S
        while True:
            m = self._read_one(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise Fail("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def pump(self, seconds):
        """Reads events for a while (dialogs must be answered as they open)."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read_one(deadline))
        except Fail as e:
            if "timed out" not in str(e):
                raise

    def js(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise Fail("%s: %s" % (expr, r["exceptionDetails"].get("text")))
        return r["result"].get("value")


def wait_js(cdp, expr, what, token):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        answer_dialogs(cdp, token)
        try:
            v = cdp.js(expr)
        except Fail:   # between two documents while the page loads
            v = None
        if v:
            return v
        cdp.pump(0.1)
    raise Fail("timed out waiting for " + what + "; page: " + str(cdp.js("document.body.innerText")))


def answer_dialogs(cdp, token):
    """The page takes the token from its input; should it ever ask with
    prompt()/confirm() instead, the dialog would block it: answer with the token."""
    pending = [e for e in cdp.events if e.get("method") == "Page.javascriptDialogOpening"]
    cdp.events = []
    for _ in pending:
        cdp.call("Page.handleJavaScriptDialog", {"accept": True, "promptText": token})


def click(cdp, selector):
    """A real left click (press and release) at the centre of selector's box."""
    box = cdp.js("(()=>{const e=document.querySelector(%s);if(!e)return null;"
                 "e.scrollIntoView({block:'center'});const r=e.getBoundingClientRect();"
                 "return {x:r.x+r.width/2,y:r.y+r.height/2,w:r.width,h:r.height}})()" % json.dumps(selector))
    if not box or box["w"] <= 0 or box["h"] <= 0:
        raise Fail("no visible " + selector)
    base = {"x": box["x"], "y": box["y"]}
    cdp.call("Input.dispatchMouseEvent", dict(base, type="mouseMoved"))
    for t in ("mousePressed", "mouseReleased"):
        cdp.call("Input.dispatchMouseEvent", dict(base, type=t, button="left", buttons=1, clickCount=1))


def act(cdp, kind, job, expect, token):
    sel = "#dead button.%s[data-id='%s']" % (kind, job)
    click(cdp, sel)
    msg = wait_js(cdp, "(()=>{const m=document.getElementById('msg').textContent;"
                       "return m.includes(%s)&&!document.querySelector(%s)?m:''})()"
                  % (json.dumps(expect), json.dumps(sel)), kind + " to show " + expect, token)
    clicks = cdp.js("window.__clicks.filter(c=>c.id===%s)" % json.dumps(job))
    return {"msg": msg, "clicks": clicks}


def run(cdp, url, token, retry_id, discard_id, shot):
    target = cdp.call("Target.createTarget", {"url": "about:blank"}, page=False)["targetId"]
    cdp.session = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                           page=False)["sessionId"]
    cdp.call("Page.enable")
    cdp.call("Runtime.enable")
    cdp.call("Page.navigate", {"url": url})
    wait_js(cdp, "document.body&&document.body.dataset.ready==='1'&&"
                 "!!document.querySelector(\"#dead button.retry[data-id='%s']\")&&"
                 "!!document.querySelector(\"#dead button.discard[data-id='%s']\")" % (retry_id, discard_id),
            "the dead letters on the page", token)
    # Records each click's target and isTrusted: true only for input the
    # browser itself delivered, never for element.click() or dispatchEvent.
    cdp.js("window.__clicks=[];document.addEventListener('click',e=>window.__clicks.push("
           "{cls:e.target.className,id:e.target.dataset&&e.target.dataset.id,trusted:e.isTrusted}),true);1")
    click(cdp, "#tok")
    cdp.call("Input.insertText", {"text": token})
    wait_js(cdp, "document.getElementById('tok').value===%s" % json.dumps(token), "the token typed", token)
    out = {"retry": act(cdp, "retry", retry_id, '"retried":1', token),
           "discard": act(cdp, "discard", discard_id, '"discarded":1', token)}
    # The page's own tables after both: no dead letter, the retried job queued.
    out["after"] = wait_js(cdp, "(()=>{const c=document.getElementById('counts').textContent;"
                                "const q=[...document.querySelectorAll('#queues tbody tr')].map(r=>"
                                "[...r.cells].map(d=>d.textContent)).find(r=>r[0]==='fail'&&r[1]==='batch');"
                                "return c.includes('dead 0')&&q&&q[2]==='1'?{counts:c,fail_batch:q}:null})()",
                           "dead 0 and the fail batch queue at 1 on the page", token)
    if shot:
        png = cdp.call("Page.captureScreenshot", {"format": "png"})["data"]
        with open(shot, "wb") as f:
            f.write(base64.b64decode(png))
    return out


def on_term(*_):
    raise Fail("terminated")


def main():
    if len(sys.argv) not in (6, 7):
        print(__doc__, file=sys.stderr)
        return 2
    chromium, url, token, retry_id, discard_id = sys.argv[1:6]
    shot = sys.argv[6] if len(sys.argv) == 7 else None
    # `timeout` sends SIGTERM: turn it into an exception so `finally` runs.
    signal.signal(signal.SIGTERM, on_term)
    cdp = Cdp(chromium, os.path.abspath("chrome-cdp"))
    try:
        print(json.dumps(run(cdp, url, token, retry_id, discard_id, shot)))
        return 0
    except (Fail, OSError, ValueError, KeyError) as e:
        print("cdp_click: %s" % e, file=sys.stderr)
        return 1
    finally:
        cdp.kill()


if __name__ == "__main__":
    sys.exit(main())
