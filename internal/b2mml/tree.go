package b2mml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/forkline/forkline"
)

// ErrRefused is the error every import returns for a bad document, with one
// FieldProblem per fault; errors.Is(err, ErrRefused) holds for each refusal.
var ErrRefused = &forkline.Error{Code: forkline.Invalid, Msg: "The B2MML document was refused; nothing was imported."}

// Limits on outside data: a schedule is a few hundred kilobytes at most, and
// B2MML nests a dozen levels deep. Anything far beyond is refused rather
// than held in memory.
const (
	maxDocumentBytes = 16 << 20
	maxDepth         = 64
)

// documentField is the problem field for a fault of the document as a whole.
const documentField = "document"

// element is one XML element of a read document, namespaces resolved.
type element struct {
	name     xml.Name
	text     []byte // character data directly inside the element
	line     int    // line of the start tag, for messages
	seq      int    // position in document order
	children []*element
}

// refuse returns the import error holding problems.
func refuse(problems []forkline.FieldProblem) error {
	return &forkline.Error{Code: forkline.Invalid, Msg: ErrRefused.Msg, Fields: problems}
}

// readTree reads a whole document into a tree. It refuses what is not one
// well-formed XML element (with only comments, processing instructions and
// white space around it), documents over maxDocumentBytes and nesting
// deeper than maxDepth. A failing reader is not the document's fault: that
// error is returned wrapped, not as Invalid.
func readTree(r io.Reader) (*element, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read b2mml document: %w", err)
	}
	docProblem := func(rule, msg string) error {
		return refuse([]forkline.FieldProblem{{Field: documentField, Rule: rule, Msg: msg}})
	}
	if len(data) > maxDocumentBytes {
		return nil, docProblem("size", fmt.Sprintf("The document is larger than %d MiB.", maxDocumentBytes>>20))
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charsetReader
	var (
		root  *element
		stack []*element
		seq   int
	)
	for {
		line, _ := dec.InputPos() // where the next token starts
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var syn *xml.SyntaxError
			if errors.As(err, &syn) {
				return nil, docProblem("xml", fmt.Sprintf("The document is not well-formed XML: line %d: %s.", syn.Line, syn.Msg))
			}
			return nil, docProblem("xml", "The document cannot be read: "+strings.TrimPrefix(err.Error(), "xml: ")+".")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, docProblem("xml", fmt.Sprintf("The document has a second root element %s; XML allows one.", t.Name.Local))
			}
			if len(stack) == maxDepth {
				return nil, docProblem("depth", fmt.Sprintf("Elements are nested deeper than %d levels.", maxDepth))
			}
			seq++
			e := &element{name: t.Name, line: line, seq: seq}
			if len(stack) == 0 {
				root = e
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, e)
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.text = append(top.text, t...)
			} else if len(bytes.TrimSpace(t)) > 0 {
				where := "after"
				if root == nil {
					where = "before"
				}
				return nil, docProblem("xml", fmt.Sprintf("The document has text %s its root element (line %d); it is not one XML element.", where, line))
			}
		}
	}
	if root == nil {
		return nil, docProblem("xml", "The document has no root element.")
	}
	return root, nil
}

// charsetReader lets the decoder read the single-byte encodings ERP systems
// still declare; UTF-8 (and so ASCII) needs no help.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "us-ascii", "ascii":
		return input, nil // a subset of UTF-8; bytes over 0x7F fail as bad UTF-8
	case "iso-8859-1", "iso_8859-1", "latin1", "l1":
		b, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(b)+len(b)/8)
		for _, c := range b {
			out = utf8.AppendRune(out, rune(c))
		}
		return bytes.NewReader(out), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q (use UTF-8 or ISO-8859-1)", label)
}
