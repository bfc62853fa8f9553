"""Reading lists ("Samla och jämför"): a reader's own list of cases, kept in the browser.

The list lives in its URL (``/lista?e=slug1,slug2&titel=…``), in the browser's localStorage
(``kb/static/js/list.js``) and, for readers without JavaScript, in a cookie that only
``/lista`` reads. Nothing about a list is stored on the server.
"""
