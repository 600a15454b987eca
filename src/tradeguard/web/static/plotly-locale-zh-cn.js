// Plotly's zh-CN locale: month and day names for the date axes and hover labels of the
// Chinese pages (the "format" part of plotly.js's lib/locales/zh-cn.js, MIT licence).
// Load after /static/plotly.js; a chart uses it with config {locale: "zh-CN"}.
Plotly.register({
  moduleType: "locale",
  name: "zh-CN",
  format: {
    days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
    shortDays: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
    shortMonths: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
    date: "%Y-%m-%d",
  },
});
