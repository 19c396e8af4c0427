package dist

import "github.com/govi/govi/internal/special"

// LogSqrt2Pi is log √(2π) = ½ log 2π.
const LogSqrt2Pi = special.LogSqrt2Pi

// Ln2 is the natural logarithm of 2.
const Ln2 = 0.69314718055994530941723212145817656807550013436026

// LogPi is log π.
const LogPi = 1.1447298858494001741434273513530587116472948129153
