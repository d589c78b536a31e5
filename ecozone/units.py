"""Area and length units used in Chinese audits.

1 公顷 (hectare) = 10,000 m² = 15 亩; 1 亩 (mu) = 10,000/15 ≈ 666.67 m²; 1 km² = 100 ha.

Example
-------
>>> from ecozone.units import M2_PER_HA, M2_PER_MU
>>> round(M2_PER_HA / M2_PER_MU, 6)
15.0
"""

M2_PER_HA = 10_000.0
M2_PER_KM2 = 1_000_000.0
M2_PER_MU = 10_000.0 / 15.0
M_PER_KM = 1_000.0
