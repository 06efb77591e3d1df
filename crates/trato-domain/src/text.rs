//! Free-text hygiene: comments are anonymous by design, so personal data a
//! patient types (NSS, CURP, phone, e-mail) is masked before it is stored.
