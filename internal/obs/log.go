package obs

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"
)

// LogFormat is how log records are written.
type LogFormat string

// The log formats. FormatAuto is text when the output is a terminal (a
// person reads it) and JSON otherwise (a container runtime, a file or a
// log shipper reads it).
const (
	FormatAuto LogFormat = "auto"
	FormatText LogFormat = "text"
	FormatJSON LogFormat = "json"
)

// String returns the format's name (flag.Value).
func (f *LogFormat) String() string {
	if f == nil || *f == "" {
		return string(FormatAuto)
	}
	return string(*f)
}

// Set parses a format name (flag.Value): auto, text or json.
func (f *LogFormat) Set(s string) error {
	switch v := LogFormat(strings.ToLower(s)); v {
	case FormatAuto, FormatText, FormatJSON:
		*f = v
		return nil
	}
	return fmt.Errorf("unknown log format %q: want auto, text or json", s)
}

// LogOptions configure NewLogger. The zero value logs at info level in
// the automatic format.
type LogOptions struct {
	// Level is the lowest level written. Default slog.LevelInfo (the zero
	// Level).
	Level slog.Level
	// Format chooses text or JSON. Default FormatAuto.
	Format LogFormat
}

// LogFlags registers --log-level and --log-format on fs and returns the
// options they fill in when fs is parsed.
func LogFlags(fs *flag.FlagSet) *LogOptions {
	o := &LogOptions{Format: FormatAuto}
	fs.TextVar(&o.Level, "log-level", slog.LevelInfo, "lowest `level` logged: debug, info, warn or error")
	fs.Var(&o.Format, "log-format", "log `format`: auto (text on a terminal, JSON otherwise), text or json")
	return o
}

// NewLogger returns a logger writing to w with o's level and format. With
// FormatAuto, w is a terminal when it is an *os.File on one.
func NewLogger(w io.Writer, o LogOptions) *slog.Logger {
	format := o.Format
	if format == "" || format == FormatAuto {
		format = FormatJSON
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = FormatText
		}
	}
	ho := &slog.HandlerOptions{Level: o.Level}
	if format == FormatText {
		return slog.New(slog.NewTextHandler(w, ho))
	}
	return slog.New(slog.NewJSONHandler(w, ho))
}

// Discard is a logger that writes nothing: the default of libraries whose
// caller gave none.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Logf adapts l to the printf-style Logf options that some packages still
// take (the engine and the authenticator): every call
// becomes one record at level with the formatted text as its message.
// ctx is passed to the handler with every record.
func Logf(ctx context.Context, l *slog.Logger, level slog.Level) func(format string, args ...any) {
	return func(format string, args ...any) {
		if !l.Enabled(ctx, level) {
			return
		}
		l.Log(ctx, level, fmt.Sprintf(format, args...))
	}
}

// PrintfLogger returns a logger that formats each record as a text line
// (without the time: the receiver adds its own) and hands it to logf, such
// as testing.T.Logf.
func PrintfLogger(logf func(format string, args ...any), level slog.Leveler) *slog.Logger {
	return slog.New(slog.NewTextHandler(printfWriter(logf), &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// printfWriter passes each Write (one record of a slog.TextHandler) to a
// printf-style function.
type printfWriter func(format string, args ...any)

func (p printfWriter) Write(b []byte) (int, error) {
	p("%s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
