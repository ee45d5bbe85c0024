"""The tier programme's selection criteria and published tier lists (鄂知发〔2022〕9号 § 三(二))."""
