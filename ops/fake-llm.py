#!/usr/bin/env python3
"""ops/fake-llm.py PORT - a stand-in OpenAI-compatible chat-completions
endpoint for the demo (loopback only). It reads the market snapshot in the
prompt and answers the JSON an agent must give: the macro agent follows the
20-bar change, the onchain agent the RSI. Real wire format, usage tokens
included; no model behind it: for demos, never for decisions."""
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


def answer(prompt):
    agent = (re.search(r"agent=(\w+)", prompt) or [None, "agent"])[1]
    at = prompt.find("{", prompt.find("snapshot"))
    try:
        s = json.JSONDecoder().raw_decode(prompt[at:])[0] if at >= 0 else {}
    except ValueError:
        s = {}
    if agent == "macro":
        score = max(-1.0, min(1.0, s.get("change_pct_20", 0) / 10))
        why = "20-bar change of %.2f%%" % s.get("change_pct_20", 0)
    else:
        score = max(-1.0, min(1.0, (s.get("rsi_14", 50) - 50) / 30))
        why = "RSI 14 at %.1f" % s.get("rsi_14", 50)
    return {"score": round(score, 3), "confidence": 0.6, "reasoning": "demo stand-in: " + why,
            "signals": [agent + " demo"]}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        prompt = " ".join(m.get("content", "") for m in body.get("messages", []))
        content = json.dumps(answer(prompt))
        out = json.dumps({"id": "demo", "object": "chat.completion", "model": "demo-stand-in",
                          "choices": [{"index": 0, "finish_reason": "stop",
                                       "message": {"role": "assistant", "content": content}}],
                          "usage": {"prompt_tokens": len(prompt) // 4, "completion_tokens": 40,
                                    "total_tokens": len(prompt) // 4 + 40}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
