# Jupyter kernel settings for the project's environment: `make report` copies this file to
# .venv/etc/ipython/ipython_kernel_config.py, where every IPython kernel started with the environment's
# Python reads it (conda: copy it to $CONDA_PREFIX/etc/ipython/ yourself).
#
# ipykernel >= 7 logs "Kernel is running over TCP without encryption ... susceptible to eavesdropping" when
# the program that starts it asks for TCP without CurveZMQ keys. Quarto starts the kernels that execute the
# chapters that way (its jupyter.py builds an nbclient NotebookClient with jupyter_client's defaults: TCP on
# 127.0.0.1, no transport encryption) and offers no setting to change it, so the warning is about Quarto's
# choice, on sockets that only this machine can reach. It would appear once per executed chapter and
# format; this filter drops exactly that message and lets every other kernel warning through.
import logging


class _QuartoLocalTcp(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "Kernel is running over TCP without encryption" not in record.getMessage()


logging.getLogger("IPKernelApp").addFilter(_QuartoLocalTcp())
