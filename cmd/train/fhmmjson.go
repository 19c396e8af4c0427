package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// jsonNode is one value of a JSON document with the byte offset where it
// starts, so that a check of the value can name its line and column.
type jsonNode struct {
	off  int64
	kind byte // 'n' number, '[' array, '{' object, 's' string, 'b' bool, '0' null
	num  json.Number
	arr  []*jsonNode
	obj  []jsonMember // in the order of the file
}

// jsonMember is one "key": value pair of an object.
type jsonMember struct {
	key    string
	keyOff int64
	val    *jsonNode
}

// jsonDoc is a parsed JSON file: its name, bytes and root value.
type jsonDoc struct {
	name string
	src  []byte
	root *jsonNode
	pos  int64 // the decoder's offset before the last token read
}

// parseJSONDoc parses src (the file name) into positioned nodes. A syntax
// error names the line and column where the parser stopped.
func parseJSONDoc(name string, src []byte) (*jsonDoc, error) {
	doc := &jsonDoc{name: name, src: src}
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	root, err := doc.parseValue(dec)
	if err == nil {
		if _, err = doc.token(dec); err == nil {
			return nil, doc.errAt(dec.InputOffset(), "unexpected data after the top-level value")
		}
		if err == io.EOF {
			doc.root = root
			return doc, nil
		}
	}
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// se.Offset counts from the start of the value being read in some
		// cases and of the input in others: point at the first character
		// after the last good token and its separator instead.
		return nil, doc.errAt(doc.syntaxErrorAt(), "%v", se)
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return nil, doc.errAt(int64(len(src)), "unexpected end of JSON")
	}
	return nil, err
}

// token reads the next token, noting where the decoder stood.
func (doc *jsonDoc) token(dec *json.Decoder) (json.Token, error) {
	doc.pos = dec.InputOffset()
	return dec.Token()
}

// syntaxErrorAt returns the offset of the first character after doc.pos
// that is neither white space nor the one ',' or ':' that may follow a
// good token.
func (doc *jsonDoc) syntaxErrorAt() int64 {
	i := doc.pos
	skip := func() {
		for i < int64(len(doc.src)) && strings.IndexByte(" \t\r\n", doc.src[i]) >= 0 {
			i++
		}
	}
	skip()
	if i < int64(len(doc.src)) && (doc.src[i] == ',' || doc.src[i] == ':') {
		i++
		skip()
	}
	return i
}

// parseValue reads the next value from dec.
func (doc *jsonDoc) parseValue(dec *json.Decoder) (*jsonNode, error) {
	tok, err := doc.token(dec)
	if err != nil {
		return nil, err
	}
	end := dec.InputOffset()
	switch v := tok.(type) {
	case json.Delim:
		n := &jsonNode{off: end - 1, kind: byte(v)}
		if v == '[' {
			return n, doc.parseArray(dec, n)
		}
		if v == '{' {
			return n, doc.parseObject(dec, n)
		}
		return nil, doc.errAt(end-1, "unexpected %q", string(v))
	case json.Number:
		return &jsonNode{off: end - int64(len(v)), kind: 'n', num: v}, nil
	case string:
		return &jsonNode{off: doc.stringStart(end), kind: 's'}, nil
	case bool:
		return &jsonNode{off: end - int64(len(fmt.Sprint(v))), kind: 'b'}, nil
	}
	return &jsonNode{off: end - 4, kind: '0'}, nil // null
}

// stringStart returns the offset of the opening quote of the string that
// ends (after its closing quote) at end.
func (doc *jsonDoc) stringStart(end int64) int64 {
	i := end - 2
	for i > 0 && !(doc.src[i] == '"' && doc.src[i-1] != '\\') {
		i--
	}
	return max(i, 0)
}

func (doc *jsonDoc) parseArray(dec *json.Decoder, n *jsonNode) error {
	for dec.More() {
		v, err := doc.parseValue(dec)
		if err != nil {
			return err
		}
		n.arr = append(n.arr, v)
	}
	_, err := doc.token(dec) // ']'
	return err
}

func (doc *jsonDoc) parseObject(dec *json.Decoder, n *jsonNode) error {
	for dec.More() {
		tok, err := doc.token(dec)
		if err != nil {
			return err
		}
		key, _ := tok.(string) // the decoder only returns string keys
		keyOff := doc.stringStart(dec.InputOffset())
		v, err := doc.parseValue(dec)
		if err != nil {
			return err
		}
		for _, m := range n.obj {
			if m.key == key {
				return doc.errAt(keyOff, "field %q appears twice", key)
			}
		}
		n.obj = append(n.obj, jsonMember{key: key, keyOff: keyOff, val: v})
	}
	_, err := doc.token(dec) // '}'
	return err
}

// errAt returns an error naming the file and the line and column (from 1,
// in characters) of byte offset off: "p.json: line 3, column 7: …".
func (doc *jsonDoc) errAt(off int64, format string, args ...any) error {
	off = min(max(off, 0), int64(len(doc.src)))
	before := doc.src[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Errorf("%s: line %d, column %d: "+format, append([]any{doc.name, line, col}, args...)...)
}

// kindName names a node's kind for error messages.
func (n *jsonNode) kindName() string {
	switch n.kind {
	case 'n':
		return "a number"
	case '[':
		return "an array"
	case '{':
		return "an object"
	case 's':
		return "a string"
	case 'b':
		return "a boolean"
	}
	return "null"
}
