suppressMessages(library(loo))
set.seed(1)
# Case A: target N(0,1), proposal N(0, 0.5^2) -> heavy tail
x <- rnorm(1000, 0, 0.5)
lwA <- dnorm(x, 0, 1, log=TRUE) - dnorm(x, 0, 0.5, log=TRUE)
# Case B: target N(0,1), proposal N(0.3, 1.2^2)
y <- rnorm(1000, 0.3, 1.2)
lwB <- dnorm(y, 0, 1, log=TRUE) - dnorm(y, 0.3, 1.2, log=TRUE)
# Case C: t proposal lighter: target t3, proposal N(0,1)
z <- rnorm(2000)
lwC <- dt(z, 3, log=TRUE) - dnorm(z, log=TRUE)
for (nm in c("A","B","C")) {
  lw <- get(paste0("lw", nm))
  p <- psis(lw, r_eff=1)
  w <- weights(p, log=FALSE, normalize=TRUE)
  cat(nm, sprintf("%.15g", pareto_k_values(p)), sprintf("%.10g", 1/sum(w^2)), "\n")
  write(sprintf("%.17g", lw), file=paste0("/tmp/lw", nm, ".txt"), ncolumns=1)
}
