package svi

// UseRunAll lets the external tests force gorgonia's RunAll.
var UseRunAll = &useRunAll
