from tests.editor.fixtures import clients, draft, fresh_login_state, login, users  # noqa: F401
