package longtest

import "testing"

func TestEnabled(t *testing.T) {
	t.Setenv(Env, "")
	if Enabled() {
		t.Error("Enabled with GOVI_LONG empty")
	}
	t.Setenv(Env, "1")
	if !Enabled() {
		t.Error("not Enabled with GOVI_LONG=1")
	}
}

func TestSkip(t *testing.T) {
	t.Setenv(Env, "")
	ran := false
	t.Run("gated", func(t *testing.T) {
		Skip(t)
		ran = true
	})
	if ran {
		t.Error("Skip did not skip with GOVI_LONG empty")
	}
	t.Setenv(Env, "1")
	t.Run("enabled", func(t *testing.T) {
		Skip(t)
		ran = true
	})
	if !ran {
		t.Error("Skip skipped with GOVI_LONG=1")
	}
}
