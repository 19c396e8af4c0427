package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// writeReport writes v as indented JSON to dir/report.json, creating dir.
// It writes to a temporary file first and renames it, so an interrupted
// write never leaves a truncated report behind.
func writeReport(dir string, v any) error {
	if dir == "" {
		return fmt.Errorf("train: -out is required")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("train: encoding report: %w", err)
	}
	tmp := filepath.Join(dir, ".report.json.tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "report.json")); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}
