"""Regular expressions from English descriptions (NL-RX, KB13): a seq2seq translator
proposes a beam, automata re-rank and repair it.

- `data`: the NL-RX-Synth, NL-RX-Turk (with its train/val/test split) and KB13 loaders, and
  the shared tokenised form;
- `evaluate`: DFA-equivalence and exact-string accuracy;
- `model`: the translator network, its batched beam search, ensembles, the shipped models;
- `risk`: minimum-risk training, DFA equivalence to the gold regex as the reward;
- `rerank`: the neuro-symbolic test-time step (parse filter, trivial languages, merging of
  equivalent candidates, examples, repair);
- `translate`: one description, or a scored data set, through both.

Everything importing torch is imported by the functions that need it.
"""
