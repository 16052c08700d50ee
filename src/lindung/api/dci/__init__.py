"""The Digital Convergence Initiative's envelope (``spdci/standards``): Lindung's keys and signatures."""
