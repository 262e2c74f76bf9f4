"""What a guarded query may contain: syntax nodes, functions and types. Anything not listed here is refused.

Functions are matched on the parsed node: a function sqlglot knows is matched by its class (``COUNT`` is
``exp.Count`` however it was spelled), any other by its bare name, quotes removed. A schema prefix never reaches
these lists: a qualified call parses as ``exp.Dot``, which is not an allowed node.
"""

from __future__ import annotations

from sqlglot import exp

ALLOWED_NODES: tuple[type[exp.Expression], ...] = (
    # statement shape
    exp.Select, exp.Union, exp.Except, exp.Intersect, exp.Subquery, exp.With, exp.CTE, exp.TableAlias,
    exp.From, exp.Join, exp.Where, exp.Group, exp.Having, exp.Order, exp.Ordered, exp.Limit, exp.Offset,
    exp.Distinct, exp.Table, exp.Column, exp.Identifier, exp.Star, exp.Alias, exp.Window, exp.WindowSpec,
    # values and operators
    exp.Literal, exp.Null, exp.Boolean, exp.Paren, exp.Tuple, exp.Var, exp.Interval, exp.DataType,
    exp.DataTypeParam, exp.Case, exp.If, exp.Filter,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ, exp.And, exp.Or, exp.Not,
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod, exp.Neg, exp.DPipe, exp.Like, exp.ILike, exp.Escape,
    exp.Is, exp.In, exp.Between, exp.Exists, exp.Any, exp.All,
)

ALLOWED_FUNCTIONS: tuple[type[exp.Func], ...] = (
    # aggregates and windows
    exp.Count, exp.CountIf, exp.Sum, exp.Avg, exp.Min, exp.Max, exp.Stddev, exp.StddevPop, exp.StddevSamp,
    exp.Variance, exp.VariancePop, exp.GroupConcat, exp.PercentileCont, exp.PercentileDisc, exp.Median,
    exp.RowNumber, exp.Rank, exp.DenseRank, exp.Lag, exp.Lead, exp.FirstValue, exp.LastValue, exp.Ntile,
    # math
    exp.Round, exp.Abs, exp.Floor, exp.Ceil, exp.Sqrt, exp.Ln, exp.Log, exp.Pow, exp.Sign,
    # strings
    exp.Lower, exp.Upper, exp.Length, exp.Substring, exp.Trim, exp.Concat, exp.ConcatWs, exp.Left, exp.Right,
    exp.StrPosition, exp.Initcap,
    # conditionals and casts
    exp.Coalesce, exp.Nullif, exp.Greatest, exp.Least, exp.Cast, exp.TryCast,
    # dates and times
    exp.CurrentDate, exp.CurrentTimestamp, exp.CurrentTime, exp.Extract, exp.TimestampTrunc, exp.DateTrunc,
    exp.Date, exp.TimeToStr, exp.StrToTime, exp.DateDiff, exp.DateAdd, exp.DateSub, exp.TsOrDsToTimestamp,
    exp.TsOrDsToDate, exp.TimeStrToTime,
)

# Functions sqlglot leaves anonymous in these dialects; only plain, side-effect-free ones.
ALLOWED_FUNCTION_NAMES: frozenset[str] = frozenset({
    "strftime", "julianday", "date", "datetime", "time", "unixepoch", "ifnull", "instr", "substr", "total",
    "to_char", "date_part", "age", "now", "round", "replace", "char_length", "position",
})

ALLOWED_TYPES: frozenset[exp.DataType.Type] = frozenset({
    exp.DataType.Type.INT, exp.DataType.Type.BIGINT, exp.DataType.Type.SMALLINT, exp.DataType.Type.DECIMAL,
    exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT, exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR,
    exp.DataType.Type.CHAR, exp.DataType.Type.DATE, exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPTZ,
    exp.DataType.Type.BOOLEAN,
})

__all__ = ["ALLOWED_FUNCTIONS", "ALLOWED_FUNCTION_NAMES", "ALLOWED_NODES", "ALLOWED_TYPES"]
