// Operator diagnostics; see Check.swift.
