"""Default URLs and the environment's names for them: plain constants that load nothing.

:mod:`traynotify.core.config` checks and resolves settings; status-bar commands on their
quick path read these without loading it.
"""

DEFAULT_API_URL = "https://llm.bytespike.ai"
DEFAULT_CONSOLE_URL = "https://console.bytespike.ai"
ENV_KEY = "BYTESPIKE_API_KEY"
ENV_API_URL = "BYTESPIKE_API_URL"
ENV_CONSOLE_URL = "BYTESPIKE_CONSOLE_URL"
