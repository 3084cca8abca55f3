"""Securing mechanisms: Data Integrity proofs and their cryptosuites, VC-JOSE (``vc+jwt``) and VCDM 1.1 JWTs."""
