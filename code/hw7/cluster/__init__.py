"""``hw7 run``/``hw7 verify`` past one machine: missing runs as Dask tasks (``--cluster``).

Dask distributed does the scheduling, the retries and the worker bookkeeping; this package only says
what a task is and what happens to its result:

* :mod:`~hw7.cluster.spec` — ``--cluster local:N | tcp://HOST:PORT | slurm`` and the Slurm settings
  (flags, or a YAML file);
* :mod:`~hw7.cluster.connect` — a Dask client for that spec (``LocalCluster``, a running scheduler,
  or ``dask_jobqueue.SLURMCluster``, imported only when asked for);
* :mod:`~hw7.cluster.worker` — what runs on a worker: the kind's runner, returning plain JSON text
  with the machine it ran on;
* :mod:`~hw7.cluster.pool` — submit tasks, yield each outcome as it completes, one progress bar;
* :mod:`~hw7.cluster.run` — ``hw7 run --cluster``: one task per uncached run, or per chunk the batched
  MNIST engine trains together; the client writes each entry (atomically) the moment it returns.

Workers never touch ``cache/``: results come back to the client, so they need the code and the data,
not the results folder. Without ``--cluster`` nothing here is imported.
"""
