"""The WeChat channel: the 公众号 message callback and 企业微信 group-robot push.

Designed for the weakest account (an individual, unverified 公众号: passive replies only), so
every answer goes back inside the HTTP response WeChat is waiting on.

Modules, one job each:
  crypto     signatures and the AES envelope (the only module that imports wechatpy)
  messages   untrusted XML in (defusedxml, no DTDs), reply XML out
  texts      what the channel itself says (guidance for pictures, voice, welcome)
  answers    the message-type table: an inbound message → the ChatService call → reply text
  render     a dialogue Reply → one WeChat text within the byte budget, numbered options
  dedupe     WeChat's 5-second / 3-retry rule: one in-flight answer per message
  app        the aiohttp application (GET verification, POST messages)
  daily      which case a target gets on a day (shared by the robot push and 「今日预警」)
  forward    「今日预警」: today's warning, formatted for forwarding into family groups
  wecom      企业微信 group-robot push of the daily warning
"""
