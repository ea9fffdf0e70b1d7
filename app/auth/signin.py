"""The sign-in page (in the dashboard's look) and the rules shared by every place that signs in."""

from __future__ import annotations

from html import escape

LOGIN_HTML = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>登录 · 应急管理执法统计</title><link rel="icon" href="data:,">
<style>
 body {{ margin:0; font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif; background:#f4f5f7; color:#222; }}
 header {{ padding:12px 24px; border-bottom:3px solid #c00; background:#fff; }}
 header h1 {{ margin:0; font-size:22px; }} header span {{ color:#666; }}
 form {{ max-width:360px; margin:64px auto; background:#fff; padding:28px 32px; border-radius:6px;
        box-shadow:0 1px 4px rgba(0,0,0,.12); }}
 label {{ display:block; margin:14px 0 4px; font-size:14px; }}
 input {{ width:100%; box-sizing:border-box; padding:8px 10px; font-size:15px; border:1px solid #bbb;
         border-radius:4px; }}
 button {{ margin-top:20px; width:100%; padding:10px; font-size:16px; color:#fff; background:#c00; border:0;
          border-radius:4px; cursor:pointer; }}
 .error {{ color:#b00; margin-top:12px; font-size:14px; }}
</style></head>
<body><header><h1>应急管理执法工作统计</h1><span>Enforcement-activity metrics</span></header>
<form method="post" action="{action}" id="login-form">
 <h2 style="margin-top:0">登录 <small style="color:#888;font-weight:normal">Sign in</small></h2>
 <input type="hidden" name="next" value="{next}">
 <label for="username">用户名 User name</label><input id="username" name="username" autocomplete="username" required>
 <label for="password">密码 Password</label>
 <input id="password" name="password" type="password" autocomplete="current-password" required>
 <button type="submit" id="login-submit">登录 Sign in</button>
 {error}
</form></body></html>"""


def safe_next(target: str | None, default: str = "/dashboard/") -> str:
    """Only paths on this site: an open redirect would let a link send people elsewhere after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\\\" in target:
        return default
    return target


def login_html(action: str, next_url: str, error: str | None = None) -> str:
    err = f'<p class="error" id="login-error">{escape(error)}</p>' if error else ""
    return LOGIN_HTML.format(action=escape(action), next=escape(safe_next(next_url)), error=err)
