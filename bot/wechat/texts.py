"""What the WeChat channel itself says (the dialogue writes everything else), in plain text.

An unverified 公众号 cannot download pictures or voice, so anything that is not text (or voice
that WeChat already turned into text) gets a short, friendly request to type instead.
"""

from __future__ import annotations

WELCOME = "感谢关注反诈助手！"
VOICE_UNRECOGNISED = ("语音我听不清。请用文字说说发生了什么，或者把可疑的短信、聊天内容复制粘贴过来，"
                      "我帮你看看是不是诈骗。")
IMAGE = ("我看不了图片。请把图片里的文字打出来，或者把可疑的短信、聊天内容长按复制后粘贴过来，"
         "我帮你看看是不是诈骗。")
VIDEO = "我看不了视频。请用文字说说视频里对方让你做什么（转账、给验证码、点链接、下载APP？），我帮你判断。"
LOCATION = "收到你的位置。我不需要位置信息：请用文字说说遇到了什么情况，我帮你看看是不是诈骗。"
LINK = ("收到一个链接。先别点开、别在里面填写任何信息！请把链接的标题和对方让你做的事用文字发给我，"
        "我帮你看看是不是诈骗。")
OTHER = "我只能看懂文字。请用文字说说发生了什么，或者把可疑的短信、聊天内容复制粘贴过来。"
BROKEN = "抱歉，出了点问题，请稍后再发一次。着急的话，请直接拨打 96110 反诈专线咨询。"
