"""HH demand: usage rates, growth decomposition, abonnementstarief effect (ITS and DiD), projection, drivers."""
