package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
)

// marshalReport encodes a report as indented JSON. A quantity that is not
// finite (a k̂ or a test log-likelihood that could not be estimated) cannot
// be JSON: rather than lose the finished run to an encoding error, such a
// value is written as null and named in a "warnings" list. Only then are
// the fields written in the alphabetical order of a generic encoding.
func marshalReport(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	var uv *json.UnsupportedValueError
	if err == nil || !errors.As(err, &uv) {
		return b, err
	}
	var warnings []string
	safe, err := jsonSafe(reflect.ValueOf(v), "", &warnings)
	if err != nil {
		return nil, err
	}
	if m, ok := safe.(map[string]any); ok {
		m["warnings"] = append(anyStrings(m["warnings"]), warnings...)
	}
	return json.MarshalIndent(safe, "", "  ")
}

func anyStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			out = append(out, fmt.Sprint(x))
		}
	}
	return out
}

// jsonSafe returns v as plain maps, slices and values, the way
// encoding/json would write it, with every non-finite float replaced by
// nil and its path added to warnings.
func jsonSafe(v reflect.Value, path string, warnings *[]string) (any, error) {
	if !v.IsValid() {
		return nil, nil
	}
	if m, ok := v.Interface().(json.Marshaler); ok && (v.Kind() != reflect.Pointer || !v.IsNil()) {
		b, err := m.MarshalJSON()
		if err != nil {
			return nil, err
		}
		var out any
		return out, json.Unmarshal(b, &out)
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, nil
		}
		return jsonSafe(v.Elem(), path, warnings)
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			*warnings = append(*warnings, fmt.Sprintf("%s is %v, written as null", strings.TrimPrefix(path, "."), f))
			return nil, nil
		}
		return v.Float(), nil
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil, nil
		}
		out := make([]any, v.Len())
		for i := range out {
			var err error
			if out[i], err = jsonSafe(v.Index(i), fmt.Sprintf("%s[%d]", path, i), warnings); err != nil {
				return nil, err
			}
		}
		return out, nil
	case reflect.Map:
		out := map[string]any{}
		for _, k := range v.MapKeys() {
			key := fmt.Sprint(k.Interface())
			x, err := jsonSafe(v.MapIndex(k), path+"."+key, warnings)
			if err != nil {
				return nil, err
			}
			out[key] = x
		}
		return out, nil
	case reflect.Struct:
		out := map[string]any{}
		return out, structFields(v, path, out, warnings)
	}
	return v.Interface(), nil
}

// structFields adds the JSON fields of struct v to out, as encoding/json
// names them (tags, "-", omitempty, embedded structs).
func structFields(v reflect.Value, path string, out map[string]any, warnings *[]string) error {
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if !f.IsExported() && !(f.Anonymous && f.Type.Kind() == reflect.Struct) {
			continue // encoding/json promotes an unexported embedded struct's fields
		}
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		fv := v.Field(i)
		if f.Anonymous && name == "" && fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Struct {
			if fv.IsNil() {
				continue // encoding/json writes none of a nil embedded pointer's fields
			}
			fv = fv.Elem() // and promotes those of a non-nil one
		}
		if f.Anonymous && name == "" && fv.Kind() == reflect.Struct {
			if err := structFields(fv, path, out, warnings); err != nil {
				return err
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.Contains(opts, "omitempty") && fv.IsZero() {
			continue
		}
		x, err := jsonSafe(fv, path+"."+name, warnings)
		if err != nil {
			return err
		}
		out[name] = x
	}
	return nil
}
