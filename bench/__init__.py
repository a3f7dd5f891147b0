"""Scale benchmark: a synthetic EKS estate (``bench.synth``) and the timing harness
(``bench.run``)."""
